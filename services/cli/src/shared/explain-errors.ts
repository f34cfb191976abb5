import { createRedis, maskCredentials, waitUntilReady, type EiConfig } from '@ei/core';
import { CliError } from './cli-error.js';

/**
 * For `.catch()` on a service start: "listen EADDRINUSE" becomes a message that names the
 * option to change. Other errors pass through.
 */
export function explainPortInUse(option: string, alternatives = ''): (error: unknown) => never {
  return (error) => {
    const failure = error as NodeJS.ErrnoException & { port?: number };
    if (failure?.code === 'EADDRINUSE') {
      throw new CliError(
        `port ${failure.port ?? ''} is already in use (another ei process on this host?): ` +
          `choose another with ${option} <port>${alternatives}`,
      );
    }
    throw error;
  };
}

/**
 * Waits up to `timeoutMs` for the configured Redis; when none answers, a CliError that
 * says which URL was tried and how to get one. Services then start knowing Redis is there.
 */
export async function requireRedis(config: EiConfig, timeoutMs = 10_000): Promise<void> {
  const redis = createRedis(config.redis, { maxBackoffMs: 500 });
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => (lastError = error));
  try {
    await waitUntilReady(redis, timeoutMs);
  } catch (error) {
    const why = (lastError ?? (error as Error)).message;
    const url = maskCredentials(config.redis.url);
    if (/WRONGPASS|NOAUTH|invalid password/i.test(why)) {
      throw new CliError(
        `cannot use Redis at ${url}: ${why} (give the user with --redis-user or REDIS_USERNAME, its password in --password-file, REDIS_PASSWORD_FILE or REDIS_PASSWORD)`,
      );
    }
    throw new CliError(
      `no Redis answers at ${url} (${why}). Start one (Debian/Ubuntu: sudo apt-get install -y redis-server, ` +
        `or run redis-server), point to yours with --redis <url> or REDIS_URL, ` +
        'or run the whole platform with `ei up`, which starts a private one',
    );
  } finally {
    redis.disconnect();
  }
}
