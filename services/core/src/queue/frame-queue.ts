import type { Redis } from 'ioredis';
import type { QueuePolicy } from '../config/config-schema.js';
import { encodeFrame, DEFAULT_MAX_FRAME_BYTES } from '../frame/frame-codec.js';
import type { Frame } from '../frame/frame.js';
import { queueKeys, registryKeys, type QueueKeys } from '../redis/keys.js';
import { runQueueScript, transaction } from './queue-scripts.js';
import { CONFIG_DEFAULTS } from '../config/defaults.js';

export interface FrameQueueOptions {
  /** Connection for ordinary commands (role `command`). */
  redis: Redis;
  /** Inference type: the queue's name. */
  type: string;
  policy: QueuePolicy;
  /** See `types.<name>.cap` in the configuration. */
  cap: number;
  keyPrefix?: string;
  maxFrameBytes?: number;
  /**
   * Connection a `lossless` producer blocks on while the queue is full. Created from
   * `redis` (duplicate) on first need when left out.
   */
  blockingRedis?: Redis;
  /**
   * `latest`: a waiting frame whose stream pushed nothing for this long is an orphan (its
   * producer gone, and a worker that died between popping the stream's id and taking the
   * frame, or no worker at all). Orphans are dropped, so they stop holding places under
   * `cap`: when a new stream finds the queue full, and by `prune()`. Default
   * DEFAULT_ORPHAN_AFTER_MS.
   */
  orphanAfterMs?: number;
}

/** `latest`: see FrameQueueOptions.orphanAfterMs. */
export const DEFAULT_ORPHAN_AFTER_MS = 30_000;
/** `fifo`: most frames one push drops, so a lowered `cap` is reached in bounded steps. */
export const FIFO_DROPS_PER_PUSH = 16;
/** `latest`: most orphans dropped when a new stream finds the queue full. */
const ORPHANS_PER_PUSH = 8;
/** prune(): most orphans dropped, and the HSCAN COUNT hint, per step. */
const PRUNE_STEP = 256;

/** What happened to a pushed frame. */
export type PushOutcome =
  /** Queued; nothing was dropped. */
  | { status: 'queued'; dropped: 0 }
  /** Queued; `dropped` older frames made way for it. */
  | { status: 'queued'; dropped: number }
  /** Not queued: the queue was full of other streams (`latest`), the frame was dropped. */
  | { status: 'rejected'; dropped: 1 };

export interface PushOptions {
  /** Lossless only: give up waiting for space when aborted (the push then rejects). */
  signal?: AbortSignal;
}

export interface QueueStats {
  /** Frames pushed since the counters began (legacy frames excluded). */
  pushed: number;
  /** Frames dropped by the queue policy. */
  dropped: number;
  /** Frames waiting now, per structure. */
  waiting: { latest: number; fifo: number; lossless: number; legacy: number };
  /** pushed - dropped - waiting: frames handed to consumers (exact for the snapshot). */
  popped: number;
  /** Counters of the streams with a field in the stats hash. */
  perStream: Record<string, { pushed: number; dropped: number }>;
  /**
   * Counters of streams gone from the stream registry, folded together by `prune()` so the
   * stats hash stays bounded. `perStream` plus `retired` add up to `pushed` and `dropped`.
   */
  retired: { pushed: number; dropped: number };
}

/** What one `prune()` did. */
export interface PruneReport {
  /** `latest` orphans dropped (see FrameQueueOptions.orphanAfterMs). */
  orphans: number;
  /** Per-stream counter fields folded into `retired`. */
  retiredFields: number;
}

const LOSSLESS_WAIT_FLAG_MS = 2000;
// Backstop for a wake-up token lost to a consumer crash; normally a token arrives first.
const LOSSLESS_RETRY_SECONDS = 0.5;

/**
 * The producer side of one inference type's frame queue. Every push is one atomic
 * transaction (the frame stored with a plain command, then a Lua script that applies the
 * policy and counts drops in Redis), so drop figures are exact across all producers and
 * workers.
 */
export class FrameQueue {
  readonly type: string;
  readonly policy: QueuePolicy;
  readonly cap: number;
  readonly keys: QueueKeys;
  private readonly redis: Redis;
  private readonly maxFrameBytes: number;
  private readonly orphanAfterMs: number;
  private readonly streamKeyPrefix: string;
  private blockingRedis: Redis | undefined;
  private readonly ownsBlocking: boolean;

  constructor(options: FrameQueueOptions) {
    if (!Number.isInteger(options.cap) || options.cap < 1) {
      throw new RangeError(
        `cap must be a positive integer, got ${options.cap} (types.${options.type}.cap)`,
      );
    }
    this.redis = options.redis;
    this.type = options.type;
    this.policy = options.policy;
    this.cap = options.cap;
    const keyPrefix = options.keyPrefix ?? CONFIG_DEFAULTS.redis.keyPrefix;
    this.keys = queueKeys(keyPrefix, options.type);
    this.streamKeyPrefix = registryKeys(keyPrefix).stream('');
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.orphanAfterMs = options.orphanAfterMs ?? DEFAULT_ORPHAN_AFTER_MS;
    if (!Number.isInteger(this.orphanAfterMs) || this.orphanAfterMs < 1) {
      throw new RangeError(`orphanAfterMs must be a positive integer, got ${this.orphanAfterMs}`);
    }
    this.blockingRedis = options.blockingRedis;
    this.ownsBlocking = options.blockingRedis === undefined;
  }

  /** Encodes and pushes a frame under the queue's policy. */
  push(frame: Frame, options: PushOptions = {}): Promise<PushOutcome> {
    if (frame.type !== this.type) {
      return Promise.reject(
        new TypeError(`frame of type "${frame.type}" pushed to queue "${this.type}"`),
      );
    }
    return this.pushEncoded(
      frame.streamId,
      encodeFrame(frame, { maxFrameBytes: this.maxFrameBytes }),
      options,
    );
  }

  /** Pushes an already encoded frame message (see `encodeFrame`). */
  async pushEncoded(
    streamId: string,
    message: Buffer,
    options: PushOptions = {},
  ): Promise<PushOutcome> {
    const k = this.keys;
    switch (this.policy) {
      case 'latest': {
        const slot = k.slotPrefix + streamId;
        const [, code] = await transaction(this.redis, [
          ['SET', slot, message],
          {
            script: 'admitLatest',
            keys: [slot, k.pending, k.ready, k.stats],
            args: [streamId, this.cap, this.orphanAfterMs, k.slotPrefix, ORPHANS_PER_PUSH],
          },
        ]);
        if (code === 2) return { status: 'rejected', dropped: 1 };
        return { status: 'queued', dropped: code === 1 ? 1 : 0 };
      }
      case 'fifo': {
        const [, dropped] = await transaction(this.redis, [
          ['RPUSH', k.fifo, message],
          {
            script: 'admitFifo',
            keys: [k.fifo, k.stats],
            args: [streamId, this.cap, FIFO_DROPS_PER_PUSH],
          },
        ]);
        return { status: 'queued', dropped: dropped as number };
      }
      case 'lossless':
        return this.pushLossless(streamId, message, options.signal);
    }
  }

  private async pushLossless(
    streamId: string,
    message: Buffer,
    signal: AbortSignal | undefined,
  ): Promise<PushOutcome> {
    const k = this.keys;
    for (;;) {
      signal?.throwIfAborted();
      const [, full] = await transaction(this.redis, [
        ['RPUSH', k.lossless, message],
        {
          script: 'admitLossless',
          keys: [k.lossless, k.stats, k.waiting],
          args: [streamId, this.cap, LOSSLESS_WAIT_FLAG_MS],
        },
      ]);
      if (full === 0) return { status: 'queued', dropped: 0 };
      // Full: block until a consumer hands out a wake-up token (or the backstop timeout).
      // An abort stops waiting at once; the BLPOP ends by itself within its timeout, and a
      // token it may still take is only a hint, so losing it costs nothing.
      await raceAbort(this.blocking().blpop(k.space, LOSSLESS_RETRY_SECONDS), signal);
    }
  }

  private blocking(): Redis {
    if (!this.blockingRedis) {
      this.blockingRedis = this.redis.duplicate({
        maxRetriesPerRequest: null,
        enableOfflineQueue: true,
      });
      // Connection errors surface through the waiting command; without a listener ioredis
      // would raise them as an uncaught 'error' event.
      this.blockingRedis.on('error', () => undefined);
    }
    return this.blockingRedis;
  }

  /**
   * Counters and depths read in one atomic step. The stats hash holds counters per stream
   * only (one HINCRBY per event on the push path); the totals are their sums.
   */
  async stats(): Promise<QueueStats> {
    const k = this.keys;
    const reply = (await runQueueScript(
      this.redis,
      'getStats',
      [k.stats, k.pending, k.fifo, k.lossless, k.legacy, k.ready],
      [],
    )) as [string[], number, number, number, number, number];
    const [flat, latest, fifo, lossless, legacy] = reply;
    const perStream: QueueStats['perStream'] = {};
    const retired = { pushed: 0, dropped: 0 };
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i]!;
      const colon = field.indexOf(':');
      const kind = field.slice(0, colon);
      const rest = field.slice(colon + 1);
      const value = Number(flat[i + 1]);
      if (kind === 'retired' && (rest === 'pushed' || rest === 'dropped')) retired[rest] = value;
      else if (kind === 'pushed' || kind === 'dropped') {
        (perStream[rest] ??= { pushed: 0, dropped: 0 })[kind] = value;
      }
      // Anything else (the per-type totals written before SCRIPTS_VERSION 2) is not read.
    }
    let pushed = retired.pushed;
    let dropped = retired.dropped;
    for (const counters of Object.values(perStream)) {
      pushed += counters.pushed;
      dropped += counters.dropped;
    }
    return {
      pushed,
      dropped,
      waiting: { latest, fifo, lossless, legacy },
      popped: pushed - dropped - latest - fifo - lossless,
      perStream,
      retired,
    };
  }

  /**
   * The queue's upkeep, in bounded steps: drops `latest` orphans (see `orphanAfterMs`)
   * and folds the counters of streams gone from the stream registry into `retired`, so
   * the stats hash stays as small as the live streams. Workers call it now and then;
   * every total stays exact.
   */
  async prune(): Promise<PruneReport> {
    const k = this.keys;
    const report: PruneReport = { orphans: 0, retiredFields: 0 };
    let cursor = '0';
    let orphans = PRUNE_STEP;
    while (cursor !== 'done' || orphans === PRUNE_STEP) {
      let retired: number;
      [cursor, orphans, retired] = (await runQueueScript(
        this.redis,
        'pruneQueue',
        [k.stats, k.pending, k.ready],
        [k.slotPrefix, this.streamKeyPrefix, cursor, PRUNE_STEP],
      )) as [string, number, number];
      report.orphans += orphans;
      report.retiredFields += retired;
    }
    return report;
  }

  /** Removes the queue's frames and counters (tests and benchmarks). */
  async clear(): Promise<void> {
    const k = this.keys;
    let cursor = '0';
    do {
      const [next, slots] = await this.redis.scan(
        cursor,
        'MATCH',
        `${k.slotPrefix}*`,
        'COUNT',
        500,
      );
      cursor = next;
      if (slots.length > 0) await this.redis.unlink(...slots);
    } while (cursor !== '0');
    // UNLINK: a long list is freed in the background instead of holding Redis.
    await this.redis.unlink(k.ready, k.pending, k.fifo, k.lossless, k.space, k.waiting, k.stats);
  }

  /** Closes the connection this queue opened itself (not the one passed in). */
  async close(): Promise<void> {
    if (this.ownsBlocking && this.blockingRedis) {
      this.blockingRedis.disconnect();
      this.blockingRedis = undefined;
    }
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
