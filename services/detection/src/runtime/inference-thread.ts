import { Worker } from 'node:worker_threads';
import { EiError } from '@ei/core';
import type { ModelOutputs } from '../postprocess/model-outputs.js';
import type {
  ControlRequest,
  RunReply,
  RunRequest,
  ThreadData,
  ThreadReply,
} from './inference-thread-protocol.js';
import type { InputTensor, ModelRunner } from './model-runner.js';

/** The model's bytes, read and verified again for each (re)start of the thread. */
export type ModelBytesSource = () => Promise<Uint8Array>;

export interface InferenceThreadOptions {
  /** Threads onnxruntime may use inside one `run` (intra-op). Default 1. */
  intraOpThreads?: number;
  /**
   * Deaths in a row (no successful run in between) after which the thread is not started
   * again: every later run is rejected and `onExit` says `restarting: false`. Default 3.
   */
  maxRestarts?: number;
  /** Told of each death of the thread. */
  onExit?: (exit: ThreadExit) => void;
}

export interface ThreadExit {
  error: InferenceThreadError;
  /** false: given up (restarts exhausted, or the model did not load again). */
  restarting: boolean;
  /** Deaths in a row without a successful run in between, this one included. */
  inARow: number;
}

export interface ThreadRunResult {
  outputs: ModelOutputs;
  /** Time `session.run` took inside the thread, ms. */
  runMs: number;
}

/** The inference thread died (its runs are rejected with this), or is closed or given up. */
export class InferenceThreadError extends EiError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('detection/inference-thread', message, options);
  }
}

/*
 * onnxruntime-node's session.run is synchronous on the calling thread: run on the main
 * thread, it would stall Redis I/O, JPEG decoding callbacks and /metrics for the whole
 * inference. The session runs on a thread of its own, whose body is
 * inference-thread-main.ts: compiled to .js in dist, and loaded through tsx when this
 * module itself runs from its TypeScript source (tests, benchmarks).
 */
function startThread(data: ThreadData): Worker {
  // The bytes move to the thread without a copy; only a buffer of their own can.
  const model =
    data.model.byteOffset === 0 && data.model.byteLength === data.model.buffer.byteLength
      ? data.model
      : data.model.slice();
  const options = {
    workerData: { ...data, model } satisfies ThreadData,
    transferList: [model.buffer as ArrayBuffer],
  };
  const fromSource = import.meta.url.endsWith('.ts');
  const body = new URL(`./inference-thread-main.${fromSource ? 'ts' : 'js'}`, import.meta.url);
  if (!fromSource) return new Worker(body, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => tsx.tsImport(${JSON.stringify(body.href)}, ${JSON.stringify(import.meta.url)}))`;
  return new Worker(boot, { ...options, eval: true });
}

type Waiter = { resolve: (r: ThreadRunResult) => void; reject: (e: Error) => void };

/**
 * One onnxruntime session on its own thread. `run` calls are served one at a time in
 * order; input buffers are transferred (the caller must not reuse them).
 *
 * When the thread dies (an exception in its body, out of memory, terminated), the runs in
 * flight are rejected with `InferenceThreadError` and a new thread is started from the
 * model's bytes, read and verified again; runs wait for it. After `maxRestarts` deaths in
 * a row, or when the model does not load again, it gives up: every later run is rejected,
 * and the owner (the worker) exits non-zero so its supervisor restarts the process.
 */
export class InferenceThread implements ModelRunner {
  private readonly pending = new Map<number, Waiter>();
  private readonly maxRestarts: number;
  /** The thread in use once its session is loaded; rejects when it cannot be started. */
  private current: Promise<Worker>;
  private failure: InferenceThreadError | undefined;
  private deathsInARow = 0;
  private nextId = 0;
  private closed = false;

  private constructor(
    private readonly readModel: ModelBytesSource,
    private readonly options: InferenceThreadOptions,
  ) {
    this.maxRestarts = options.maxRestarts ?? 3;
    this.current = this.start();
    // A start that fails is reported by create() or by the runs that wait for it.
    this.current.catch(() => undefined);
  }

  /** Resolves once the session is loaded on the thread. */
  static async create(
    readModel: ModelBytesSource,
    options: InferenceThreadOptions = {},
  ): Promise<InferenceThread> {
    const thread = new InferenceThread(readModel, options);
    try {
      await thread.current;
    } catch (error) {
      await thread.close();
      throw error;
    }
    return thread;
  }

  async run(feeds: Record<string, InputTensor>): Promise<ThreadRunResult> {
    if (this.closed) throw new InferenceThreadError('inference thread is closed');
    if (this.failure) throw this.failure;
    const worker = await this.current;
    const id = this.nextId++;
    const transfer = [...new Set(Object.values(feeds).map((t) => t.data.buffer as ArrayBuffer))];
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const request: RunRequest = { id, feeds };
      worker.postMessage(request, transfer);
    });
  }

  /**
   * A fault drill: once the runs sent before have finished, an exception escapes the
   * thread's body, as a bug in it would make it. The runs sent after are rejected and a
   * new thread is started. Resolves when the thread is gone. (A thread cannot be killed
   * from outside while onnxruntime runs in it: that aborts the whole process.)
   */
  async crashThread(reason = 'fault drill'): Promise<void> {
    const worker = await this.current;
    const gone = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ control: 'crash', reason } satisfies ControlRequest);
    await gone;
  }

  /** Ends the thread once the runs sent before have finished. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = await this.current.catch(() => undefined);
    if (worker !== undefined) {
      const gone = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage({ control: 'close' } satisfies ControlRequest);
      await gone;
    }
    this.failAll(new InferenceThreadError('inference thread is closed'));
  }

  /** Starts a thread from freshly read bytes and resolves once its session is loaded. */
  private async start(): Promise<Worker> {
    const model = await this.readModel();
    const worker = startThread({ model, intraOpThreads: this.options.intraOpThreads ?? 1 });
    return new Promise<Worker>((resolve, reject) => {
      let loaded = false;
      let gone = false;
      // 'error' (an exception in the thread) is followed by 'exit': handle the first only.
      const died = (error: InferenceThreadError): void => {
        if (gone) return;
        gone = true;
        if (!loaded) reject(error);
        else this.died(error);
      };
      worker.on('message', (reply: ThreadReply) => {
        if ('ready' in reply) {
          loaded = true;
          resolve(worker);
        } else if ('fatal' in reply) {
          gone = true;
          reject(new InferenceThreadError(`cannot load the model: ${reply.fatal}`));
          void worker.terminate();
        } else this.settle(reply);
      });
      worker.once('error', (error) =>
        died(
          new InferenceThreadError(`inference thread failed: ${error.message}`, { cause: error }),
        ),
      );
      worker.once('exit', (code) =>
        died(new InferenceThreadError(`inference thread exited with code ${code}`)),
      );
    });
  }

  private died(error: InferenceThreadError): void {
    this.failAll(error);
    if (this.closed) return;
    this.deathsInARow += 1;
    if (this.deathsInARow > this.maxRestarts) {
      this.giveUp(
        new InferenceThreadError(
          `inference thread died ${this.deathsInARow} times in a row (last: ${error.message}); not restarted`,
        ),
      );
      return;
    }
    this.options.onExit?.({ error, restarting: true, inARow: this.deathsInARow });
    this.current = this.start();
    this.current.catch((startError: unknown) =>
      this.giveUp(
        new InferenceThreadError(
          `inference thread could not be restarted: ${(startError as Error).message}`,
          { cause: startError },
        ),
      ),
    );
  }

  /** No thread any more: every run, now and later, is rejected with `error`. */
  private giveUp(error: InferenceThreadError): void {
    if (this.failure !== undefined || this.closed) return;
    this.failure = error;
    this.current = Promise.reject(error);
    this.current.catch(() => undefined);
    this.failAll(error);
    this.options.onExit?.({ error, restarting: false, inARow: this.deathsInARow });
  }

  private settle(reply: RunReply | { id: number; error: string }): void {
    const waiter = this.pending.get(reply.id);
    if (!waiter) return;
    this.pending.delete(reply.id);
    if ('error' in reply) waiter.reject(new Error(reply.error));
    else {
      this.deathsInARow = 0;
      waiter.resolve({ outputs: reply.outputs, runMs: reply.runMs });
    }
  }

  private failAll(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error);
    this.pending.clear();
  }
}
