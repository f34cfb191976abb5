import { CONFIG_DEFAULTS } from '../config/defaults.js';
import type { StreamRegistry } from '../registry/stream-registry.js';

/** What a legacy stream looks like in the registry: it has no producer of ours to say more. */
export const LEGACY_SOURCE = 'legacy';

export interface LegacyStreamsOptions {
  registry: StreamRegistry;
  /** The inference type whose legacy list (`queue_<type>`) the frames came from. */
  type: string;
  /** Host of the worker that announces; a legacy message does not say where it came from. */
  host: string;
  /** How often the streams seen are written to the registry. Default: `registry.heartbeatMs`. */
  intervalMs?: number;
  /**
   * Most legacy streams announced at once by one worker. Frames of further names are still
   * inferred, only not announced, so a flood of made-up names cannot flood the registry.
   * Default 256.
   */
  maxStreams?: number;
  /** Registry writes that failed (Redis away); retried on the next beat. */
  onError?: (error: Error) => void;
}

interface Seen {
  /** Frames since the last write. */
  frames: number;
  width: number;
  height: number;
  /** The stream's frame total (every worker's) and when this worker last read it. */
  total?: number;
  totalAt?: number;
  fps?: number;
  lastSeen: number;
}

/**
 * Makes the streams of reference-demo producers visible: they push to `queue_<type>`
 * without announcing themselves, so the workers that take their frames announce them
 * instead (type, `source: legacy`, the size read from the JPEG, the rate, last seen). The
 * frame path only updates a map; the registry is written once per stream per interval,
 * and a stream whose frames stop expires like any other.
 *
 * The frame counter in the registry is shared by every worker of the type, so the rate
 * each worker derives from it over its own interval is the stream's whole rate, however
 * many workers share the stream's frames.
 */
export class LegacyStreams {
  private readonly options: LegacyStreamsOptions;
  private readonly intervalMs: number;
  private readonly maxStreams: number;
  private readonly streams = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(options: LegacyStreamsOptions) {
    this.options = options;
    this.intervalMs = options.intervalMs ?? CONFIG_DEFAULTS.registry.heartbeatMs;
    this.maxStreams = options.maxStreams ?? 256;
  }

  /** Records one frame of `streamId` (its JPEG's size once decoded). No I/O. */
  seen(streamId: string, width: number, height: number, now = Date.now()): void {
    let stream = this.streams.get(streamId);
    if (!stream) {
      if (this.streams.size >= this.maxStreams) return;
      stream = { frames: 0, width, height, lastSeen: now };
      this.streams.set(streamId, stream);
    }
    stream.frames += 1;
    stream.width = width;
    stream.height = height;
    stream.lastSeen = now;
  }

  /** Streams this worker announces now. */
  get size(): number {
    return this.streams.size;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops the beat after writing what was seen last. The streams expire by themselves. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Writes every stream seen since the last write; forgets streams silent past the TTL. */
  flush(now = Date.now()): Promise<void> {
    this.flushing ??= this.write(now).finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(now: number): Promise<void> {
    const { registry, type, host } = this.options;
    const writes: Promise<void>[] = [];
    for (const [id, stream] of this.streams) {
      if (stream.frames === 0) {
        if (now - stream.lastSeen > registry.ttlMs) this.streams.delete(id);
        continue;
      }
      const frames = stream.frames;
      stream.frames = 0;
      const announcement = {
        id,
        type,
        source: LEGACY_SOURCE,
        state: 'live' as const,
        host,
        width: stream.width,
        height: stream.height,
        fps: stream.fps,
      };
      writes.push(
        registry.countFrames(announcement, frames, now).then(
          (total) => {
            if (stream.total !== undefined && stream.totalAt !== undefined && now > stream.totalAt)
              stream.fps = round2(((total - stream.total) * 1000) / (now - stream.totalAt));
            stream.total = total;
            stream.totalAt = now;
          },
          (error: Error) => {
            stream.frames += frames; // counted on the next beat instead
            this.options.onError?.(error);
          },
        ),
      );
    }
    await Promise.all(writes);
  }
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
