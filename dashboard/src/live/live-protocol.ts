import type { InferenceResult } from '@ei/core/browser';
import type { ConnectionStatus, StreamSelection } from './live-connection';

/**
 * Messages between the page and the live worker (live-worker.ts). The worker owns the
 * websocket and decodes; the page only draws what the worker hands over.
 */
export type ToLiveWorker =
  /** Connect (or reconnect at once) with this URL, token included. */
  | { op: 'connect'; url: string }
  | { op: 'disconnect' }
  | { op: 'select'; streams: StreamSelection }
  /** A visible view of the stream wants frames decoded to at most this width (device pixels). */
  | { op: 'want'; streamId: string; width: number }
  | { op: 'unwant'; streamId: string }
  /** The page is done with the stream's last frame (drawn or not needed): send the next one. */
  | { op: 'done'; streamId: string };

export type FromLiveWorker =
  | { type: 'status'; status: ConnectionStatus }
  /** A decoded frame; its bitmap is transferred, the page must close() it. */
  | { type: 'frame'; frame: DecodedFrame }
  | { type: 'summary'; streams: StreamSummary[]; counters: LiveCounters };

export interface DecodedFrame {
  result: InferenceResult;
  bitmap: ImageBitmap;
  /** Date.now() when the message arrived. */
  receivedAt: number;
}

/** Every stream heard from, twice a second: what the grid and the tiles' fps show. */
export interface StreamSummary {
  id: string;
  type: string;
  received: number;
  /** Results per second over the last 2 s. */
  fps: number;
  lastReceivedAt: number;
}

export interface LiveCounters {
  /** Result messages received. */
  messages: number;
  /** JPEGs decoded: the rest were replaced by a newer frame before anyone needed them. */
  decoded: number;
  /** Messages or JPEGs that failed to decode. */
  decodeErrors: number;
}
