import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { freePort } from '../net/free-port.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generatePassword,
  REDIS_USERS,
  renderAclFile,
  type RedisUser,
} from '../redis/redis-acl.js';
import {
  createRedis,
  waitUntilReady,
  type Redis,
  type RedisConnectionOptions,
} from '../redis/redis-client.js';
import { createTestCertificates } from './test-certificates.js';

/**
 * A private redis-server for tests and benchmarks: free port, own temp dir, no
 * persistence, stopped on `stop()`. Lets suites run in parallel and restart Redis under
 * a running client.
 */
export interface PrivateRedis {
  port: number;
  /** redis:// URL, or rediss:// with `tls`. */
  url: string;
  password: string | undefined;
  /** With `acl`: the ACL file the server runs with, and each user's password. */
  aclFile: string | undefined;
  passwords: Record<RedisUser, string> | undefined;
  /** With `tls`: the test CA that signed the server's certificate. */
  caFile: string | undefined;
  /** How to connect (as `user` with `acl`): URL, credentials, CA. */
  connection(user?: RedisUser): RedisConnectionOptions;
  /** Kills the server and starts it again on the same port (data is lost). */
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface PrivateRedisOptions {
  /** `requirepass` for the default user. */
  password?: string;
  binary?: string;
  /** Runs with the platform's ACL file (redis-acl.ts), random passwords, keys under `keyPrefix` (default `ei:`). */
  acl?: { keyPrefix?: string };
  /** TLS only (no plain port), with a test CA and certificate made by openssl. */
  tls?: boolean;
  /** More redis-server arguments. */
  args?: string[];
  /** A port picked earlier (a client was pointed at it before Redis runs); default a free one. */
  port?: number;
}

export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const binary = options.binary ?? process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const dir = await mkdtemp(join(tmpdir(), 'ei-redis-'));
  const port = options.port ?? (await freePort());
  let child: ChildProcess | undefined;

  const settings = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  let caFile: string | undefined;
  if (options.tls) {
    const certificates = await createTestCertificates(dir);
    caFile = certificates.caFile;
    settings.push('--port', '0', '--tls-port', String(port));
    settings.push('--tls-cert-file', certificates.certFile, '--tls-key-file', certificates.keyFile);
    settings.push('--tls-ca-cert-file', certificates.caFile, '--tls-auth-clients', 'no');
  } else {
    settings.push('--port', String(port));
  }
  if (options.password) settings.push('--requirepass', options.password);
  let aclFile: string | undefined;
  let passwords: Record<RedisUser, string> | undefined;
  if (options.acl) {
    passwords = Object.fromEntries(REDIS_USERS.map((user) => [user, generatePassword()])) as Record<
      RedisUser,
      string
    >;
    aclFile = join(dir, 'users.acl');
    const perUser = Object.fromEntries(REDIS_USERS.map((user) => [user, [passwords![user]]]));
    await writeFile(
      aclFile,
      renderAclFile({
        keyPrefix: options.acl.keyPrefix ?? 'ei:',
        passwords: perUser as Record<RedisUser, string[]>,
      }),
      { mode: 0o600 },
    );
    settings.push('--aclfile', aclFile);
  }
  settings.push(...(options.args ?? []));
  const url = `${options.tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;

  const start = async (): Promise<void> => {
    const proc = spawn(binary, settings, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          proc.stdout!.off('data', onData);
          proc.stdout!.resume();
          resolve();
        }
      };
      proc.stdout!.on('data', onData);
      proc.stderr!.resume();
      proc.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'ENOENT'
            ? new Error(
                `${binary} not found: install it (Debian: apt-get install redis-server) or set REDIS_SERVER_BIN`,
              )
            : error,
        ),
      );
      proc.once('exit', (code) =>
        reject(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`)),
      );
    });
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  };

  await start();
  return {
    port,
    url,
    password: options.password,
    aclFile,
    passwords,
    caFile,
    connection: (user) => {
      const connection: RedisConnectionOptions = { url };
      if (user !== undefined) {
        if (!passwords) throw new Error('connection(user) needs a server started with `acl`');
        connection.username = user;
        connection.password = passwords[user];
      } else if (options.password) {
        connection.password = options.password;
      }
      if (caFile) connection.tlsCaFile = caFile;
      return connection;
    },
    restart: async ({ downMs = 0 } = {}) => {
      await kill();
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    stop: async () => {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A private redis-server and a ready command connection to it (as the default user);
 * `server.stop()` closes the connection too. For suites that share one server:
 * `beforeAll(async () => ({ server, redis } = await startPrivateRedisWithClient()))`.
 */
export async function startPrivateRedisWithClient(
  options: PrivateRedisOptions = {},
): Promise<{ server: PrivateRedis; redis: Redis }> {
  const server = await startPrivateRedis(options);
  const redis = createRedis(server.connection());
  try {
    await waitUntilReady(redis);
  } catch (error) {
    redis.disconnect();
    await server.stop();
    throw error;
  }
  const stopServer = server.stop;
  server.stop = async () => {
    redis.disconnect();
    await stopServer();
  };
  return { server, redis };
}
