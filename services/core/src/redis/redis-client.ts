import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { ConfigError } from '../config/config-error.js';
import { maskCredentials } from '../secrets/mask-credentials.js';
import { Backoff } from '../time/backoff.js';

export type { Redis } from 'ioredis';

/** Where and as whom to connect: the `redis` section of the configuration. */
export interface RedisConnectionOptions {
  url: string;
  /** ACL user; see redis-acl.ts for the platform's users. */
  username?: string;
  password?: string;
  /** File whose first line is the password; wins over `password`. */
  passwordFile?: string;
  tls?: boolean;
  tlsCaFile?: string;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  tlsServerName?: string;
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
  const maxMs = options.maxBackoffMs ?? 2000;
  const reconnect = new Backoff({ initialMs: Math.min(50, maxMs), maxMs, jitter: 0 });
  const url = new URL(connection.url);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError(
      `redis.url must start with redis:// or rediss://, got ${maskCredentials(connection.url)}`,
    );
  }
  const redisOptions: RedisOptions = {
    connectionName: options.connectionName,
    // The ready check sends INFO, which no component's ACL user holds (it reveals the
    // server's internals); waitUntilReady checks with a PING instead, which also surfaces
    // a refused password. Without persistence Redis never loads; with it, a command during
    // loading fails like any outage and is retried.
    enableReadyCheck: false,
    // CLIENT SETINFO (Redis 7.2+): not granted either, and not needed.
    disableClientInfo: true,
    retryStrategy: (attempt) => reconnect.delay(attempt),
    // A blocked or subscribed connection must survive outages; the command connection
    // reports errors quickly so callers can count and skip instead of waiting.
    maxRetriesPerRequest: role === 'command' ? 1 : null,
    enableOfflineQueue: role !== 'command',
    lazyConnect: false,
    // Off: frame pushes write their MULTI/EXEC command by command and rely on the order
    // (see queue-scripts.ts); auto-pipelining measured no gain for 56 KB frames anyway.
    enableAutoPipelining: false,
  };
  if (connection.username !== undefined) redisOptions.username = connection.username;
  const password =
    connection.passwordFile !== undefined
      ? readPasswordFile(connection.passwordFile)
      : connection.password;
  if (password !== undefined) redisOptions.password = password;
  if (connection.tls === true || url.protocol === 'rediss:') {
    const tls: NonNullable<RedisOptions['tls']> = {};
    const ca = readPem(connection.tlsCaFile, 'redis.tlsCaFile');
    const cert = readPem(connection.tlsCertFile, 'redis.tlsCertFile');
    const key = readPem(connection.tlsKeyFile, 'redis.tlsKeyFile');
    if (ca) tls.ca = ca;
    if (cert) tls.cert = cert;
    if (key) tls.key = key;
    if (connection.tlsServerName !== undefined) tls.servername = connection.tlsServerName;
    redisOptions.tls = tls;
  }
  return new Redis(connection.url, redisOptions);
}

/** The password in a file: its first line (a Secret written with or without a newline). */
export function readPasswordFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the Redis password file ${path} (redis.passwordFile / REDIS_PASSWORD_FILE): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const password = text.split(/\r?\n/, 1)[0]!;
  if (password === '') {
    throw new ConfigError(
      `the Redis password file ${path} is empty (redis.passwordFile / REDIS_PASSWORD_FILE)`,
    );
  }
  return password;
}

function readPem(path: string | undefined, key: string): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(`cannot read ${key} ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

const AUTH_REFUSED = /WRONGPASS|NOAUTH|invalid password|invalid username-password/i;

/**
 * Resolves once the connection is authenticated and takes commands: a PING answered after
 * the AUTH of the connection (any reply but an authentication error counts). A refused
 * password fails at once (reconnecting never fixes it), and nothing is left pending
 * afterwards, so a command-line tool that gives up exits at once.
 */
export function waitUntilReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      redis.off('ready', check);
      redis.off('error', onError);
      if (error) reject(error);
      else resolve();
    };
    const refused = (error: Error): Error =>
      new Error(
        `Redis refused the credentials (${error.message}); check redis.username / REDIS_USERNAME and redis.passwordFile / REDIS_PASSWORD_FILE (or REDIS_PASSWORD)`,
      );
    function check(): void {
      redis.ping().then(
        () => finish(),
        (error: Error) => {
          if (AUTH_REFUSED.test(error.message)) finish(refused(error));
          // Another reply (NOPERM) still proves an authenticated, serving connection; a
          // dropped connection is tried again on the next 'ready'.
          else if (error.name === 'ReplyError') finish();
        },
      );
    }
    const onError = (error: Error): void => {
      if (AUTH_REFUSED.test(error.message)) finish(refused(error));
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
    redis.on('ready', check);
    redis.on('error', onError);
    if (redis.status === 'ready') check();
  });
}
