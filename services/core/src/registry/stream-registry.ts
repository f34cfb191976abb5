import type { Redis } from 'ioredis';
import { registryKeys } from '../redis/keys.js';
import { CONFIG_DEFAULTS } from '../config/defaults.js';
import { maskCredentials } from '../secrets/mask-credentials.js';

/** Producer-side state of a stream, as operators see it. */
export type StreamState = 'connecting' | 'live' | 'retrying' | 'stopped';

/** What a producer says about its stream. */
export interface StreamAnnouncement {
  id: string;
  type: string;
  /** Source URL or path; credentials are masked (`maskCredentials`) before it is stored. */
  source: string;
  state: StreamState;
  host: string;
  width?: number;
  height?: number;
  fps?: number;
  lastError?: string;
  /** Frames produced so far. */
  frames?: number;
  reconnects?: number;
}

/** A stream as the registry lists it. */
export interface StreamInfo extends StreamAnnouncement {
  /** First announcement, ms since epoch. */
  firstSeen: number;
  /** Latest heartbeat, ms since epoch. */
  lastSeen: number;
}

export interface StreamRegistryOptions {
  redis: Redis;
  keyPrefix?: string;
  /** A stream not refreshed for this long disappears. Default: the config's `registry.ttlMs`. */
  ttlMs?: number;
}

const NUMERIC_FIELDS = [
  'width',
  'height',
  'fps',
  'frames',
  'reconnects',
  'firstSeen',
  'lastSeen',
] as const;

/**
 * Streams announced by producers. Each is a hash with a TTL, refreshed by heartbeats, plus
 * an index sorted by expiry time; a stream whose producer died simply expires, and
 * listing prunes the index of entries whose hash is gone.
 */
export class StreamRegistry {
  private readonly redis: Redis;
  private readonly keys: ReturnType<typeof registryKeys>;
  readonly ttlMs: number;

  constructor(options: StreamRegistryOptions) {
    this.redis = options.redis;
    this.keys = registryKeys(options.keyPrefix ?? CONFIG_DEFAULTS.redis.keyPrefix);
    this.ttlMs = options.ttlMs ?? CONFIG_DEFAULTS.registry.ttlMs;
  }

  /** Announces or refreshes a stream; fields left out keep their stored value. */
  async announce(stream: StreamAnnouncement, now = Date.now()): Promise<void> {
    await this.write(stream, now).exec().then(throwOnExecError);
  }

  /**
   * Announces a stream whose frames are counted where they arrive rather than where they
   * are made (a reference-demo producer's, counted by the workers that take them): adds
   * `frames` to its counter and answers the new total, in one round trip.
   */
  async countFrames(
    stream: Omit<StreamAnnouncement, 'frames'>,
    frames: number,
    now = Date.now(),
  ): Promise<number> {
    const replies = await this.write(stream, now)
      .hincrby(this.keys.stream(stream.id), 'frames', frames)
      .exec();
    throwOnExecError(replies);
    return Number(replies![replies!.length - 1]![1]);
  }

  /** The transaction that stores an announcement and refreshes its expiry. */
  private write(stream: Omit<StreamAnnouncement, 'frames'> & { frames?: number }, now: number) {
    const key = this.keys.stream(stream.id);
    const fields: Record<string, string> = { lastSeen: String(now) };
    const masked = {
      ...stream,
      source: maskCredentials(stream.source),
      lastError: stream.lastError === undefined ? undefined : maskCredentials(stream.lastError),
    };
    for (const [name, value] of Object.entries(masked)) {
      if (value !== undefined) fields[name] = String(value);
    }
    if (stream.lastError === undefined) fields.lastError = '';
    return this.redis
      .multi()
      .hsetnx(key, 'firstSeen', String(now))
      .hset(key, fields)
      .pexpire(key, this.ttlMs)
      .zadd(this.keys.index, now + this.ttlMs, stream.id);
  }

  async remove(id: string): Promise<void> {
    await this.redis
      .multi()
      .del(this.keys.stream(id))
      .zrem(this.keys.index, id)
      .exec()
      .then(throwOnExecError);
  }

  async get(id: string): Promise<StreamInfo | undefined> {
    const hash = await this.redis.hgetall(this.keys.stream(id));
    return parseStream(hash);
  }

  /** Live streams, sorted by id. */
  async list(now = Date.now()): Promise<StreamInfo[]> {
    await this.redis.zremrangebyscore(this.keys.index, '-inf', `(${now}`);
    const ids = await this.redis.zrange(this.keys.index, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.stream(id));
    const replies = (await pipeline.exec()) ?? [];
    const streams: StreamInfo[] = [];
    replies.forEach(([error, hash]) => {
      if (error) throw error;
      const stream = parseStream(hash as Record<string, string>);
      if (stream) streams.push(stream);
    });
    return streams.sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Keeps a stream announced until `stop()`: refreshes it every `intervalMs` with the
   * latest state given to `update()`. Heartbeat failures (Redis down) are reported to
   * `onError` and retried on the next beat.
   */
  keepAlive(
    stream: StreamAnnouncement,
    intervalMs: number,
    onError?: (error: Error) => void,
  ): StreamHeartbeat {
    let current = { ...stream };
    const beat = (): void => {
      this.announce(current).catch((error: Error) => onError?.(error));
    };
    beat();
    const timer = setInterval(beat, intervalMs);
    timer.unref();
    return {
      update: (patch) => {
        const changed = (Object.keys(patch) as (keyof typeof patch)[]).some(
          (key) => patch[key] !== current[key],
        );
        current = { ...current, ...patch };
        // State changes go out at once; counters ride on the next beat.
        if (changed && (patch.state !== undefined || patch.lastError !== undefined)) beat();
      },
      stop: async (remove = true) => {
        clearInterval(timer);
        if (remove) await this.remove(current.id).catch((error: Error) => onError?.(error));
      },
    };
  }
}

export interface StreamHeartbeat {
  update(patch: Partial<Omit<StreamAnnouncement, 'id'>>): void;
  /** Stops the heartbeat; removes the stream at once unless `remove` is false. */
  stop(remove?: boolean): Promise<void>;
}

function parseStream(hash: Record<string, string>): StreamInfo | undefined {
  if (!hash.id || !hash.type) return undefined;
  // Masked again on the way out: an entry written by another (older) writer never shows
  // a password either.
  const stream: Record<string, unknown> = {
    ...hash,
    source: maskCredentials(hash.source ?? ''),
    lastError: maskCredentials(hash.lastError ?? ''),
  };
  for (const field of NUMERIC_FIELDS) {
    if (hash[field] !== undefined && hash[field] !== '') stream[field] = Number(hash[field]);
  }
  if (!hash.lastError) delete stream.lastError;
  return stream as unknown as StreamInfo;
}

function throwOnExecError(replies: [Error | null, unknown][] | null): void {
  for (const [error] of replies ?? []) if (error) throw error;
}
