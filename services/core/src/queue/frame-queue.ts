import type { Redis } from 'ioredis';
import type { QueuePolicy } from '../config/config-schema.js';
import { encodeFrame, DEFAULT_MAX_FRAME_BYTES } from '../frame/frame-codec.js';
import type { Frame } from '../frame/frame.js';
import { queueKeys, type QueueKeys } from '../redis/keys.js';
import { runQueueScript, storeAndAdmit } from './queue-scripts.js';
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
}

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
  perStream: Record<string, { pushed: number; dropped: number }>;
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
    this.keys = queueKeys(options.keyPrefix ?? CONFIG_DEFAULTS.redis.keyPrefix, options.type);
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
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
        const code = (await storeAndAdmit(
          this.redis,
          { command: 'set', key: slot, value: message },
          'admitLatest',
          [slot, k.pending, k.ready, k.stats],
          [streamId, this.cap],
        )) as number;
        if (code === 2) return { status: 'rejected', dropped: 1 };
        return { status: 'queued', dropped: code === 1 ? 1 : 0 };
      }
      case 'fifo': {
        const dropped = (await storeAndAdmit(
          this.redis,
          { command: 'rpush', key: k.fifo, value: message },
          'admitFifo',
          [k.fifo, k.stats],
          [streamId, this.cap],
        )) as number;
        return { status: 'queued', dropped };
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
      const full = (await storeAndAdmit(
        this.redis,
        { command: 'rpush', key: k.lossless, value: message },
        'admitLossless',
        [k.lossless, k.stats, k.waiting],
        [streamId, this.cap, LOSSLESS_WAIT_FLAG_MS],
      )) as number;
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

  /** Counters and depths read in one atomic step. */
  async stats(): Promise<QueueStats> {
    const k = this.keys;
    const reply = (await runQueueScript(
      this.redis,
      'getStats',
      [k.stats, k.pending, k.fifo, k.lossless, k.legacy, k.ready],
      [],
    )) as [string[], number, number, number, number, number];
    const [flat, latest, fifo, lossless, legacy] = reply;
    let pushed = 0;
    let dropped = 0;
    const perStream: QueueStats['perStream'] = {};
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const field = flat[i]!;
      const value = Number(flat[i + 1]);
      if (field === 'pushed') pushed = value;
      else if (field === 'dropped') dropped = value;
      else {
        const colon = field.indexOf(':');
        const kind = field.slice(0, colon) as 'pushed' | 'dropped';
        const id = field.slice(colon + 1);
        (perStream[id] ??= { pushed: 0, dropped: 0 })[kind] = value;
      }
    }
    return {
      pushed,
      dropped,
      waiting: { latest, fifo, lossless, legacy },
      popped: pushed - dropped - latest - fifo - lossless,
      perStream,
    };
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
      if (slots.length > 0) await this.redis.del(...slots);
    } while (cursor !== '0');
    await this.redis.del(k.ready, k.pending, k.fifo, k.lossless, k.space, k.waiting, k.stats);
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
