/**
 * Shapes of the gateway's REST answers (services/gateway/src/routes/api-routes.ts). Stream
 * and event entries are the core registry's own types; the per-type views are the
 * gateway's aggregation of them.
 */
import type { StreamInfo, WorkerStatus } from '@ei/core/browser';

export type { PlatformEvent, StreamState } from '@ei/core/browser';

/** A stream as GET /api/streams lists it: the registry entry plus its queue counters. */
export interface StreamView extends StreamInfo {
  queue: { pushed: number; dropped: number };
}

/** A worker as GET /api/types lists it under its type. */
export type WorkerView = Pick<
  WorkerStatus,
  'id' | 'host' | 'state' | 'inferFps' | 'dropFps' | 'scaleRatio'
> & { inferenceMs: number | null };

export interface TypeView {
  name: string;
  model: string;
  policy: 'latest' | 'fifo' | 'lossless';
  cap: number;
  workers: WorkerView[];
  inferFps: number;
  dropFps: number;
  /** Summed over the workers: how many workers the current demand needs. */
  scaleRatio: number;
  queueDepth: number;
  pushed: number;
  dropped: number;
}
