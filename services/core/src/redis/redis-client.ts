import { Redis, type RedisOptions } from 'ioredis';

export type { Redis } from 'ioredis';

export interface RedisConnectionOptions {
  url: string;
  password?: string;
  tls?: boolean;
}

export interface CreateRedisOptions {
  /** Shown in `CLIENT LIST`, useful when several services share one server. */
  connectionName?: string;
  /**
   * `command` (default): ordinary commands; while disconnected they fail fast instead of
   * piling up in memory, so the frame path never buffers without bound.
   * `blocking`: for BLPOP-style waits; retries for ever.
   */
  role?: 'command' | 'blocking' | 'subscriber';
  /** Longest pause between reconnect attempts. Default 2000 ms. */
  maxBackoffMs?: number;
}

/**
 * One way to open a Redis connection: URL, password and TLS from the config, reconnect
 * with capped exponential backoff, and offline behaviour chosen by the connection's role.
 */
export function createRedis(
  connection: RedisConnectionOptions,
  options: CreateRedisOptions = {},
): Redis {
  const role = options.role ?? 'command';
  const maxBackoffMs = options.maxBackoffMs ?? 2000;
  const url = new URL(connection.url);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError(`redis.url must start with redis:// or rediss://, got ${connection.url}`);
  }
  const redisOptions: RedisOptions = {
    connectionName: options.connectionName,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), maxBackoffMs),
    // A blocked or subscribed connection must survive outages; the command connection
    // reports errors quickly so callers can count and skip instead of waiting.
    maxRetriesPerRequest: role === 'command' ? 1 : null,
    enableOfflineQueue: role !== 'command',
    lazyConnect: false,
    // Off: frame pushes write their MULTI/EXEC command by command and rely on the order
    // (see queue-scripts.ts); auto-pipelining measured no gain for 56 KB frames anyway.
    enableAutoPipelining: false,
  };
  if (connection.password !== undefined) redisOptions.password = connection.password;
  if (connection.tls === true || url.protocol === 'rediss:') redisOptions.tls = {};
  return new Redis(connection.url, redisOptions);
}

const AUTH_REFUSED = /WRONGPASS|NOAUTH|invalid password/i;

/**
 * Resolves once the connection is ready to take commands. A refused password fails at once
 * (reconnecting never fixes it), and nothing is left pending afterwards, so a command-line
 * tool that gives up exits at once.
 */
export function waitUntilReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const finish = (error?: Error): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      redis.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const onReady = (): void => finish();
    const onError = (error: Error): void => {
      if (AUTH_REFUSED.test(error.message)) {
        finish(
          new Error(
            `Redis refused the password (${error.message}); check redis.password / REDIS_PASSWORD`,
          ),
        );
      }
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `Redis not ready after ${timeoutMs} ms (status ${redis.status}); check redis.url / REDIS_URL and that the server runs`,
          ),
        ),
      timeoutMs,
    );
    redis.on('ready', onReady);
    redis.on('error', onError);
  });
}
