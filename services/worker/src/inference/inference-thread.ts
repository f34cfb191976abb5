import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ModelOutputs } from '../detection/model-outputs.js';
import type { InputTensor, ModelRunner } from './model-runner.js';

export interface InferenceThreadOptions {
  /** Threads onnxruntime may use inside one `run` (intra-op). Default 1. */
  intraOpThreads?: number;
}

export interface SessionInfo {
  inputNames: readonly string[];
  outputNames: readonly string[];
}

export interface ThreadRunResult {
  outputs: ModelOutputs;
  /** Time `session.run` took inside the thread, ms. */
  runMs: number;
}

/*
 * onnxruntime-node's session.run is synchronous on the calling thread: run on the main
 * thread, it would stall Redis I/O, JPEG decoding callbacks and /metrics for the whole
 * inference. This body runs the session on its own thread. It is plain CommonJS evaluated
 * by the Worker, so it loads the same way from sources (tests) and from dist (production).
 */
const THREAD_BODY = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortEntry);
ort.env.logLevel = 'error';
function toPlain(tensor) {
  const data = tensor.data instanceof Float32Array ? tensor.data : Float32Array.from(tensor.data);
  return { data, dims: Array.from(tensor.dims) };
}
(async () => {
  const session = await ort.InferenceSession.create(workerData.modelPath, {
    intraOpNumThreads: workerData.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  parentPort.on('message', async (message) => {
    try {
      const feeds = {};
      for (const [name, t] of Object.entries(message.feeds)) feeds[name] = new ort.Tensor('float32', t.data, t.dims);
      const started = performance.now();
      const result = await session.run(feeds);
      const runMs = performance.now() - started;
      const outputs = {};
      const transfer = [];
      for (const [name, tensor] of Object.entries(result)) {
        const plain = toPlain(tensor);
        outputs[name] = plain;
        if (!transfer.includes(plain.data.buffer)) transfer.push(plain.data.buffer);
      }
      try {
        parentPort.postMessage({ id: message.id, outputs, runMs }, transfer);
      } catch {
        // Buffers owned by the native side cannot be transferred: send copies.
        parentPort.postMessage({ id: message.id, outputs, runMs });
      }
    } catch (error) {
      parentPort.postMessage({ id: message.id, error: String((error && error.message) || error) });
    }
  });
  parentPort.postMessage({ ready: true, inputNames: session.inputNames, outputNames: session.outputNames });
})().catch((error) => parentPort.postMessage({ fatal: String((error && error.message) || error) }));
`;

type ThreadReply =
  | { ready: true; inputNames: string[]; outputNames: string[] }
  | { fatal: string }
  | { id: number; outputs: ModelOutputs; runMs: number }
  | { id: number; error: string };

/**
 * One onnxruntime session on its own thread. `run` calls are served one at a time in
 * order; input buffers are transferred (the caller must not reuse them).
 */
export class InferenceThread implements ModelRunner {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: ThreadRunResult) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;
  private closed = false;
  readonly ready: Promise<SessionInfo>;

  constructor(modelPath: string, options: InferenceThreadOptions = {}) {
    const ortEntry = createRequire(import.meta.url).resolve('onnxruntime-node');
    this.worker = new Worker(THREAD_BODY, {
      eval: true,
      workerData: { ortEntry, modelPath, intraOpThreads: options.intraOpThreads ?? 1 },
    });
    this.ready = new Promise<SessionInfo>((resolve, reject) => {
      const onMessage = (reply: ThreadReply): void => {
        if ('ready' in reply)
          resolve({ inputNames: reply.inputNames, outputNames: reply.outputNames });
        else if ('fatal' in reply)
          reject(new Error(`cannot load model ${modelPath}: ${reply.fatal}`));
        else this.settle(reply);
      };
      this.worker.on('message', onMessage);
      this.worker.once('error', (error) => {
        reject(error);
        this.failAll(error);
      });
      this.worker.once('exit', (code) => {
        const error = new Error(`inference thread exited with code ${code}`);
        reject(error);
        this.failAll(error);
      });
    });
    // Callers that never await `ready` must not see an unhandled rejection at close.
    this.ready.catch(() => undefined);
  }

  /** Resolves once the session is loaded on the thread. */
  static async create(modelPath: string, intraOpThreads: number): Promise<InferenceThread> {
    const thread = new InferenceThread(modelPath, { intraOpThreads });
    try {
      await thread.ready;
    } catch (error) {
      await thread.close();
      throw error;
    }
    return thread;
  }

  run(feeds: Record<string, InputTensor>): Promise<ThreadRunResult> {
    if (this.closed) return Promise.reject(new Error('inference thread is closed'));
    const id = this.nextId++;
    const transfer = [...new Set(Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer))];
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, feeds }, transfer);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private settle(
    reply: { id: number; outputs: ModelOutputs; runMs: number } | { id: number; error: string },
  ): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if ('error' in reply) waiter.reject(new Error(reply.error));
    else waiter.resolve({ outputs: reply.outputs, runMs: reply.runMs });
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
