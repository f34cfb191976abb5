import { LiveDecoder, type LiveDecoderOptions } from './live-decoder';
import type { FromLiveWorker, ToLiveWorker } from './live-protocol';

/** The page's end of the live worker. */
export interface LiveChannel {
  send(message: ToLiveWorker): void;
  onMessage: ((message: FromLiveWorker) => void) | undefined;
}

/** The live worker in its own thread (a module worker: allowed by the gateway's CSP as 'self'). */
export function workerChannel(): LiveChannel {
  const worker = new Worker(new URL('./live-worker.ts', import.meta.url), {
    type: 'module',
    name: 'ei-live',
  });
  const channel: LiveChannel = {
    send: (message) => worker.postMessage(message),
    onMessage: undefined,
  };
  worker.onmessage = (event: MessageEvent<FromLiveWorker>) => channel.onMessage?.(event.data);
  return channel;
}

/**
 * The same logic on the page's thread: for tests (happy-dom has no workers) and as a
 * fallback. Messages are delivered asynchronously, as across a thread.
 */
export function inProcessChannel(
  options: Omit<LiveDecoderOptions, 'post'> = {},
): LiveChannel & { decoder: LiveDecoder } {
  const channel: LiveChannel & { decoder: LiveDecoder } = {
    send: (message) => queueMicrotask(() => decoder.handle(message)),
    onMessage: undefined,
    decoder: undefined as unknown as LiveDecoder,
  };
  const decoder = new LiveDecoder({
    ...options,
    post: (message) => queueMicrotask(() => channel.onMessage?.(message)),
  });
  channel.decoder = decoder;
  return channel;
}
