/**
 * Shapes of the gateway's REST answers (services/gateway/src/routes/api-routes.ts, fields
 * from the stream and worker registries of @ei/core). Written out here because the
 * dashboard may import only the browser-safe part of @ei/core.
 */

export type StreamState = 'connecting' | 'live' | 'retrying' | 'stopped';

export interface StreamView {
  id: string;
  type: string;
  /** Source URL or path, any password replaced by `***`. */
  source: string;
  state: StreamState;
  host: string;
  width?: number;
  height?: number;
  fps?: number;
  lastError?: string;
  frames?: number;
  reconnects?: number;
  /** ms since epoch. */
  firstSeen: number;
  lastSeen: number;
  queue: { pushed: number; dropped: number };
}

export interface WorkerView {
  id: string;
  host: string;
  state: 'starting' | 'ready' | 'stopping';
  inferFps: number;
  dropFps: number;
  scaleRatio: number;
  inferenceMs: number | null;
}

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

export interface PlatformEvent {
  /** ms since epoch. */
  at: number;
  kind: 'scale' | 'restart';
  subject: string;
  message: string;
  from?: number;
  to?: number;
}
