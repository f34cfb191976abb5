import * as ort from 'onnxruntime-node';
import type { ModelOutputs, OutputTensor } from '../postprocess/model-outputs.js';
import type { InputTensor, ModelRunner } from './model-runner.js';

/** An onnxruntime session on the calling thread (session.run blocks it for the whole run). */
export class SessionRunner implements ModelRunner {
  private constructor(private readonly session: ort.InferenceSession) {}

  /** `model`: the ONNX file's bytes, as verified by the caller (never re-opened by path). */
  static async create(model: Uint8Array, intraOpThreads: number): Promise<SessionRunner> {
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    return new SessionRunner(session);
  }

  async run(feeds: Record<string, InputTensor>): Promise<{ outputs: ModelOutputs; runMs: number }> {
    const tensors: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds))
      tensors[name] = new ort.Tensor('float32', t.data, t.dims);
    const started = performance.now();
    const results = await this.session.run(tensors);
    const runMs = performance.now() - started;
    const outputs: Record<string, OutputTensor> = {};
    for (const [name, tensor] of Object.entries(results)) {
      if (!(tensor.data instanceof Float32Array))
        throw new TypeError(`output ${name} is ${tensor.type}, not float32`);
      outputs[name] = { dims: tensor.dims, data: tensor.data };
    }
    return { outputs, runMs };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
