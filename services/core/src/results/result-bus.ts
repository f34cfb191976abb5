import type { Redis } from 'ioredis';
import { resultKeys } from '../redis/keys.js';
import type { InferenceResult } from './inference-result.js';
import { decodeResultMessage, encodeResultMessage, ResultDecodeError } from './result-codec.js';
import { CONFIG_DEFAULTS } from '../config/defaults.js';

export interface ResultBusOptions {
  /** Command connection, for publishing and reading the log. */
  redis: Redis;
  keyPrefix?: string;
  /** Approximate cap of the compact results stream. Default: the config's `results.streamMaxLen`. */
  logMaxLen?: number;
}

/** An entry of the compact results stream: the result without the image. */
export interface LoggedResult {
  /** Redis stream entry id (`<ms>-<n>`), usable as a cursor. */
  id: string;
  result: InferenceResult;
}

export interface LiveResult {
  result: InferenceResult;
  jpeg: Uint8Array;
  /** The message as published, to forward without re-encoding. */
  message: Buffer;
}

export interface Subscription {
  close(): Promise<void>;
}

/**
 * Where results go. Live: one pub/sub channel per stream carrying metadata and the original
 * JPEG (fire-and-forget, nothing accumulates when nobody listens). Log: a capped Redis
 * stream of compact results for integrators, read by id.
 */
export class ResultBus {
  private readonly redis: Redis;
  private readonly keys: ReturnType<typeof resultKeys>;
  private readonly logMaxLen: number;

  constructor(options: ResultBusOptions) {
    this.redis = options.redis;
    this.keys = resultKeys(options.keyPrefix ?? CONFIG_DEFAULTS.redis.keyPrefix);
    this.logMaxLen = options.logMaxLen ?? CONFIG_DEFAULTS.results.streamMaxLen;
  }

  /** Publishes live and appends to the log in one round trip. Returns live subscriber count. */
  async publish(result: InferenceResult, jpeg: Uint8Array): Promise<number> {
    const encoded = encodeResultMessage(result, jpeg);
    const message = Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength);
    const replies = await this.redis
      .pipeline()
      .publish(this.keys.channel(result.streamId), message)
      .xadd(
        this.keys.log,
        'MAXLEN',
        '~',
        this.logMaxLen,
        '*',
        'stream',
        result.streamId,
        'result',
        JSON.stringify(result),
      )
      .exec();
    for (const [error] of replies ?? []) if (error) throw error;
    return Number(replies?.[0]?.[1] ?? 0);
  }

  /**
   * Receives live results of the given streams, or of all streams with `'*'`. Uses its own
   * subscriber connection (duplicated), which re-subscribes by itself after a reconnect.
   * Messages that fail to decode go to `onError` and are skipped. While Redis is away the
   * returned promise waits for it; aborting `signal` gives up (the promise rejects).
   */
  async subscribe(
    streams: readonly string[] | '*',
    onResult: (live: LiveResult) => void,
    onError?: (error: Error) => void,
    options: { signal?: AbortSignal } = {},
  ): Promise<Subscription> {
    options.signal?.throwIfAborted();
    const subscriber = this.redis.duplicate({
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
    });
    options.signal?.addEventListener('abort', () => subscriber.disconnect(), { once: true });
    subscriber.on('error', (error: Error) => onError?.(error));
    const deliver = (message: Buffer): void => {
      try {
        const { result, jpeg } = decodeResultMessage(message);
        onResult({ result, jpeg, message });
      } catch (error) {
        if (error instanceof ResultDecodeError) onError?.(error);
        else throw error;
      }
    };
    if (streams === '*') {
      subscriber.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) =>
        deliver(message),
      );
      await subscriber.psubscribe(this.keys.channelPattern);
    } else {
      subscriber.on('messageBuffer', (_channel: Buffer, message: Buffer) => deliver(message));
      if (streams.length > 0)
        await subscriber.subscribe(...streams.map((id) => this.keys.channel(id)));
    }
    return {
      close: async () => {
        subscriber.disconnect();
      },
    };
  }

  /** Newest compact results first, optionally of one stream only. */
  async recent(options: { stream?: string; limit?: number } = {}): Promise<LoggedResult[]> {
    const limit = options.limit ?? 100;
    const out: LoggedResult[] = [];
    let end = '+';
    // Filtering by stream may need several pages; bounded by the log's own length.
    while (out.length < limit) {
      const page = await this.redis.xrevrange(
        this.keys.log,
        end,
        '-',
        'COUNT',
        Math.max(limit * 2, 100),
      );
      if (page.length === 0) break;
      for (const [id, fields] of page) {
        const stream = fields[fields.indexOf('stream') + 1];
        if (options.stream !== undefined && stream !== options.stream) continue;
        const json = fields[fields.indexOf('result') + 1];
        if (json === undefined) continue;
        try {
          out.push({ id, result: JSON.parse(json) as InferenceResult });
        } catch {
          continue;
        }
        if (out.length >= limit) break;
      }
      end = `(${page[page.length - 1]![0]}`;
    }
    return out;
  }
}
