/*
 * The body of an inference thread (see inference-thread.ts): loads one onnxruntime
 * session and serves its messages strictly one after the other. Messages are typed in
 * inference-thread-protocol.ts, shared with the side that sends them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import type { OutputTensor } from '../postprocess/model-outputs.js';
import type {
  RunReply,
  RunRequest,
  ThreadData,
  ThreadReply,
  ThreadRequest,
} from './inference-thread-protocol.js';

const port = parentPort!;
const data = workerData as ThreadData;
ort.env.logLevel = 'error';

function send(reply: ThreadReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(reply, transfer);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function run(session: ort.InferenceSession, request: RunRequest): Promise<void> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, tensor] of Object.entries(request.feeds))
    feeds[name] = new ort.Tensor('float32', tensor.data, tensor.dims);
  const started = performance.now();
  const result = await session.run(feeds);
  const runMs = performance.now() - started;
  const outputs: Record<string, OutputTensor> = {};
  const transfer = new Set<ArrayBuffer>();
  for (const [name, tensor] of Object.entries(result)) {
    const values =
      tensor.data instanceof Float32Array
        ? tensor.data
        : Float32Array.from(tensor.data as ArrayLike<number>);
    outputs[name] = { data: values, dims: Array.from(tensor.dims) };
    transfer.add(values.buffer as ArrayBuffer);
  }
  const reply: RunReply = { id: request.id, outputs, runMs };
  try {
    send(reply, [...transfer]);
  } catch {
    // Buffers owned by the native side cannot be transferred: send copies.
    send(reply);
  }
}

try {
  // From the bytes the caller hashed: never re-opened by path.
  const session = await ort.InferenceSession.create(data.model, {
    intraOpNumThreads: data.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  // One message at a time, in order: a close or crash comes between runs, never during
  // one (ending a thread while onnxruntime runs aborts the whole process).
  let queue = Promise.resolve();
  port.on('message', (request: ThreadRequest) => {
    queue = queue.then(() => {
      if (!('control' in request))
        return run(session, request).catch((error: unknown) =>
          send({ id: request.id, error: messageOf(error) }),
        );
      if (request.control === 'close') return session.release().finally(() => process.exit(0));
      // A fault drill: an exception escapes the thread body, as a bug would make it.
      setImmediate(() => {
        throw new Error(request.reason);
      });
      return new Promise<never>(() => undefined);
    });
  });
  send({ ready: true, inputNames: [...session.inputNames], outputNames: [...session.outputNames] });
} catch (error) {
  send({ fatal: messageOf(error) });
}
