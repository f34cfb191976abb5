import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import {
  ACL_MIN_REDIS_VERSION,
  createRedis,
  generatePassword,
  REDIS_USERS,
  renderAclFile,
  waitUntilReady,
  type RedisConnectionOptions,
  type RedisUser,
} from '@ei/core';
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

/** A redis-server binary that runs, and its version (`[7, 0, 15]`). */
export interface RedisServerBinary {
  path: string;
  version: number[];
}

/** The redis-server binary to start, or a CliError that says how to install one. */
export function findRedisServer(): RedisServerBinary {
  const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new CliError(
      `no Redis server is reachable and ${binary} is not installed.\n` +
        '  Install one:   sudo apt-get install -y redis-server   (Debian/Ubuntu)\n' +
        '  or point to a running server:   REDIS_URL=redis://host:6379 pnpm start',
    );
  }
  const version = / v=(\d+)\.(\d+)\.(\d+)/.exec(probe.stdout)?.slice(1).map(Number) ?? [0, 0, 0];
  return { path: binary, version };
}

/** Arguments, files and credentials of the private redis-server of one `ei up` run. */
export interface PrivateRedisSetup {
  /** redis-server arguments for the users (before port and the rest). */
  args: string[];
  /** How each component connects (environment of its process), and the launcher itself. */
  childEnv(user: RedisUser): Record<string, string>;
  admin: { username?: string; passwordFile: string };
  /** False on a Redis older than 7.0: one password for all (no per-component users). */
  perComponentUsers: boolean;
}

/**
 * Writes, into `dir` (private to this user), one random password per Redis user for this
 * run and the ACL file built from them (redis-acl.ts), so every child connects as its own
 * user. Passwords travel in files, never on a command line. A Redis older than 7.0 cannot
 * read the ACL file: it gets one password for everyone, in its config file.
 */
export async function preparePrivateRedis(
  dir: string,
  server: RedisServerBinary,
  keyPrefix: string,
): Promise<PrivateRedisSetup> {
  const writeSecret = async (name: string, text: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, text, { mode: 0o600 });
    return path;
  };
  const minimum = ACL_MIN_REDIS_VERSION.split('.').map(Number);
  if (compareVersions(server.version, minimum) < 0) {
    const password = generatePassword();
    const passwordFile = await writeSecret('password', password + '\n');
    const conf = await writeSecret('redis.conf', `requirepass ${password}\n`);
    return {
      args: [conf],
      childEnv: () => ({
        REDIS_USERNAME: '',
        REDIS_PASSWORD: '',
        REDIS_PASSWORD_FILE: passwordFile,
      }),
      admin: { passwordFile },
      perComponentUsers: false,
    };
  }
  const passwords = Object.fromEntries(
    REDIS_USERS.map((user) => [user, generatePassword()]),
  ) as Record<RedisUser, string>;
  const files = {} as Record<RedisUser, string>;
  for (const user of REDIS_USERS)
    files[user] = await writeSecret(`${user}.password`, passwords[user] + '\n');
  const aclFile = await writeSecret(
    'users.acl',
    renderAclFile({
      keyPrefix,
      passwords: Object.fromEntries(REDIS_USERS.map((user) => [user, [passwords[user]]])) as Record<
        RedisUser,
        string[]
      >,
    }),
  );
  return {
    args: ['--aclfile', aclFile],
    // REDIS_PASSWORD emptied: a password meant for another Redis must not shadow the file.
    childEnv: (user) => ({
      REDIS_USERNAME: user,
      REDIS_PASSWORD: '',
      REDIS_PASSWORD_FILE: files[user],
    }),
    admin: { username: 'admin', passwordFile: files.admin },
    perComponentUsers: true,
  };
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
