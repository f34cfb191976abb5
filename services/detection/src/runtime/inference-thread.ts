import { Worker } from 'node:worker_threads';
import type { ModelOutputs } from '../postprocess/model-outputs.js';
import type { RunReply, RunRequest, ThreadData, ThreadReply } from './inference-thread-protocol.js';
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
 * inference. The session runs on a thread of its own, whose body is
 * inference-thread-main.ts: compiled to .js in dist, and loaded through tsx when this
 * module itself runs from its TypeScript source (tests, benchmarks).
 */
function startThread(data: ThreadData): Worker {
  const fromSource = import.meta.url.endsWith('.ts');
  const body = new URL(`./inference-thread-main.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(body, { workerData: data });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => tsx.tsImport(${JSON.stringify(body.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(boot, { eval: true, workerData: data });
}

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
    this.worker = startThread({ modelPath, intraOpThreads: options.intraOpThreads ?? 1 });
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
      const request: RunRequest = { id, feeds };
      this.worker.postMessage(request, transfer);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }

  private settle(reply: RunReply | { id: number; error: string }): void {
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
