import type { ModelOutputs } from '../postprocess/model-outputs.js';

/** A float tensor fed to a model. */
export interface InputTensor {
  data: Float32Array;
  dims: readonly number[];
}

/** Runs an ONNX session: on the calling thread, or on a thread of its own. */
export interface ModelRunner {
  /** Input buffers may be transferred to another thread: do not reuse them after the call. */
  run(feeds: Record<string, InputTensor>): Promise<{ outputs: ModelOutputs; runMs: number }>;
  close(): Promise<void>;
}

/**
 * `caller`: onnxruntime runs on the thread that calls (ei detect: nothing else to do
 * meanwhile). `thread`: on its own worker thread, so the event loop keeps taking frames,
 * decoding JPEGs and answering /metrics while the model runs (the worker service).
 */
export type RunnerPlacement = 'caller' | 'thread';
