/**
 * The live worker: the dashboard's websocket, result decoding and JPEG decoding, off the
 * page's main thread. Receiving ~240 messages of 56 KB a second and building a Blob for
 * each cost the main thread most of its time (measured: 87 % busy for 16 streams at
 * 15 fps); here it costs the page nothing but drawing the bitmaps it is handed.
 */
import { LiveDecoder } from './live-decoder';
import type { FromLiveWorker, ToLiveWorker } from './live-protocol';

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<ToLiveWorker>) => void) | null;
  postMessage(message: FromLiveWorker, transfer: Transferable[]): void;
};

const decoder = new LiveDecoder({
  post: (message, transfer = []) => scope.postMessage(message, transfer),
});
scope.onmessage = (event) => decoder.handle(event.data);
