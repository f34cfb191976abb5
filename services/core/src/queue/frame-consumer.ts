import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { decodeFrame, DEFAULT_MAX_FRAME_BYTES } from '../frame/frame-codec.js';
import { FrameDecodeError } from '../frame/frame-errors.js';
import type { Frame } from '../frame/frame.js';
import { decodeLegacyFrame } from '../legacy/legacy-frame.js';
import { ThrottledLog, type Logger } from '../logging/logger.js';
import type { EiMetrics } from '../metrics/metrics.js';
import { queueKeys, type QueueKeys } from '../redis/keys.js';
import { runQueueScript, transaction } from './queue-scripts.js';
import { CONFIG_DEFAULTS } from '../config/defaults.js';

/** Where a frame came from: the structure of its policy, or a reference-demo producer. */
export type FrameSource = 'latest' | 'fifo' | 'lossless' | 'legacy';

export interface DequeuedFrame {
  frame: Frame;
  source: FrameSource;
  /** When the consumer received it, ms since epoch. */
  dequeuedAt: number;
}

export interface FrameConsumerOptions {
  /** Command connection; the consumer opens its own blocking connection from it. */
  redis: Redis;
  type: string;
  keyPrefix?: string;
  maxFrameBytes?: number;
  /** Bad messages are counted in `ei_errors_total{kind="decode"}` when given. */
  metrics?: EiMetrics;
  /** Bad messages and Redis errors are logged here, at most once per 10 s per kind. */
  logger?: Logger;
  /** Called for every rejected message (after counting). */
  onRejected?: (error: FrameDecodeError, source: FrameSource) => void;
}

const REDIS_ERROR_PAUSE_MS = 250;

/**
 * The worker side of an inference type's queue. `pop` blocks in Redis (BLPOP on every
 * structure a producer of this type may use: `latest` ready list, `fifo` and `lossless`
 * lists and the legacy list), so an idle worker costs nothing and a frame is picked up the
 * moment it arrives. Structures are tried in turn so no policy starves another.
 * Bad messages are counted, logged sparingly and skipped; they never reach the caller.
 */
export class FrameConsumer {
  readonly type: string;
  readonly keys: QueueKeys;
  private readonly redis: Redis;
  private readonly blocking: Redis;
  private readonly connectionName = `ei-consumer-${randomUUID()}`;
  private readonly maxFrameBytes: number;
  private readonly options: FrameConsumerOptions;
  private readonly throttled: ThrottledLog | undefined;
  private readonly sourceByKey: Map<string, FrameSource>;
  private order: string[];
  private legacySeq = 0;
  private stopped = false;
  /** CLIENT ID of the blocking connection, known before each BLPOP; gone on reconnect. */
  private blockingId: number | undefined;

  constructor(options: FrameConsumerOptions) {
    this.options = options;
    this.redis = options.redis;
    this.type = options.type;
    this.keys = queueKeys(options.keyPrefix ?? CONFIG_DEFAULTS.redis.keyPrefix, options.type);
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.throttled = options.logger ? new ThrottledLog(options.logger) : undefined;
    this.blocking = this.redis.duplicate({
      connectionName: this.connectionName,
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
    });
    this.blocking.on('error', () => {
      // Reconnects are handled by ioredis; errors surface through pop().
    });
    this.blocking.on('close', () => (this.blockingId = undefined));
    this.sourceByKey = new Map<string, FrameSource>([
      [this.keys.ready, 'latest'],
      [this.keys.fifo, 'fifo'],
      [this.keys.lossless, 'lossless'],
      [this.keys.legacy, 'legacy'],
    ]);
    this.order = [...this.sourceByKey.keys()];
  }

  /**
   * Waits up to `timeoutMs` for the next valid frame. Returns null on timeout or after
   * `stop()`. Redis outages do not throw: the consumer waits for the reconnect.
   */
  async pop(timeoutMs: number): Promise<DequeuedFrame | null> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stopped) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) return null;
      this.order.push(this.order.shift()!);
      let reply: [Buffer, Buffer] | null;
      try {
        // Asked on the connection itself, so stop() can end this wait (CLIENT UNBLOCK)
        // without the right to list every client. A BLPOP that ioredis re-sends after a
        // reconnect is not known by id: stop() then waits for its timeout (pop's).
        this.blockingId ??= (await this.blocking.client('ID')) as number;
        // BLPOP takes seconds; a fraction is fine (Redis >= 6), 0 would mean for ever.
        reply = await this.blocking.blpopBuffer(...this.order, Math.max(0.01, remaining / 1000));
      } catch (error) {
        if (this.stopped) return null;
        this.redisError(error);
        await sleep(Math.min(REDIS_ERROR_PAUSE_MS, Math.max(0, deadline - Date.now())));
        continue;
      }
      if (reply === null) return null;
      const source = this.sourceByKey.get(reply[0].toString())!;
      const dequeued = await this.receive(source, reply[1]);
      if (dequeued) return dequeued;
    }
    return null;
  }

  private async receive(source: FrameSource, value: Buffer): Promise<DequeuedFrame | null> {
    const dequeuedAt = Date.now();
    let message = value;
    if (source === 'latest') {
      const streamId = value.toString('latin1');
      const slot = this.keys.slotPrefix + streamId;
      let taken: Buffer | null;
      try {
        // No script: a stream is waiting exactly while its id is pending and its slot holds
        // the frame, so taking both at once is the whole bookkeeping (ZREM answers 0 and
        // GETDEL nil when another worker was faster, or the frame was dropped as an orphan).
        [, taken] = (await transaction(this.redis, [
          ['ZREM', this.keys.pending, streamId],
          ['GETDEL', slot],
        ])) as [number, Buffer | null];
      } catch (error) {
        // The frame stays in its slot; the next push of that stream re-announces it.
        this.redisError(error);
        return null;
      }
      if (taken === null) return null; // another worker took it first
      message = taken;
    } else if (source === 'lossless') {
      runQueueScript(this.redis, 'signalSpace', [this.keys.waiting, this.keys.space], []).catch(
        (error: unknown) => this.redisError(error),
      );
    }
    try {
      const frame =
        source === 'legacy'
          ? decodeLegacyFrame(message, this.type, this.legacySeq++, this.maxFrameBytes)
          : decodeFrame(message, { maxFrameBytes: this.maxFrameBytes });
      if (frame.type !== this.type) {
        throw new FrameDecodeError(
          'bad-field',
          `frame of type "${frame.type}" found in queue "${this.type}"`,
        );
      }
      return { frame, source, dequeuedAt };
    } catch (error) {
      if (!(error instanceof FrameDecodeError)) throw error;
      this.options.metrics?.errors.inc({ kind: 'decode' });
      this.throttled?.warn(
        `decode:${error.reason}`,
        { type: this.type, source, reason: error.reason },
        `skipped bad frame: ${error.message}`,
      );
      this.options.onRejected?.(error, source);
      return null;
    }
  }

  private redisError(error: unknown): void {
    this.options.metrics?.errors.inc({ kind: 'redis' });
    this.throttled?.warn(
      'redis',
      { type: this.type, err: (error as Error).message },
      'Redis error while taking frames; retrying',
    );
  }

  /**
   * Stops taking frames. A BLPOP waiting in Redis is cancelled with CLIENT UNBLOCK, which
   * ends it without taking anything, so no frame is lost in the hand-over.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    try {
      if (this.blockingId !== undefined) await this.redis.client('UNBLOCK', this.blockingId);
    } catch {
      // Redis unreachable: nothing can be blocked there either.
    }
  }

  /** Stops and closes the blocking connection. */
  async close(): Promise<void> {
    await this.stop();
    this.blocking.disconnect();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
