import { spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { createRedis, waitUntilReady, type RedisConnectionOptions } from '@ei/core';
import { CliError } from '../shared/cli-error.js';

/** Answers whether a Redis server accepts commands at `connection` within `timeoutMs`. */
export async function redisReachable(
  connection: RedisConnectionOptions,
  timeoutMs = 1500,
): Promise<boolean> {
  const redis = createRedis(connection, { maxBackoffMs: 100 });
  redis.on('error', () => {});
  try {
    // A command connection fails fast until connected: wait for it first.
    await waitUntilReady(redis, timeoutMs);
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Whether something listens on 127.0.0.1:port. */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The redis-server binary to start, or a CliError that says how to install one. */
export function findRedisServer(): string {
  const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new CliError(
      `no Redis server is reachable and ${binary} is not installed.\n` +
        '  Install one:   sudo apt-get install -y redis-server   (Debian/Ubuntu)\n' +
        '  or point to a running server:   REDIS_URL=redis://host:6379 pnpm start',
    );
  }
  return binary;
}
