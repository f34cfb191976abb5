import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ACL_MIN_REDIS_VERSION,
  createRedis,
  createLogger,
  EventLog,
  freePort,
  redisServerLimits,
  SERVICE_NODE_FLAGS,
  waitUntilReady,
  WorkerRegistry,
  type EiConfig,
  type Logger,
  type Redis,
  type RedisConnectionOptions,
  type RedisUser,
} from '@ei/core';
import { gatewayAccess } from './gateway-access.js';
import { LocalAutoscaler } from './local-autoscaler.js';
import { findRedisServer, portInUse, preparePrivateRedis, redisReachable } from './local-redis.js';
import { ProcessSupervisor } from './process-supervisor.js';

export interface LaunchOptions {
  config: EiConfig;
  /** Path of the config file, passed on to every child. */
  configFile: string;
  gatewayPort: number;
  /**
   * Address the gateway listens on. Default 127.0.0.1: this machine only, and then it
   * serves without a token. Any other address needs one: `apiToken`, else a generated one.
   */
  gatewayHost?: string;
  /** Token of the gateway's API and websockets. */
  apiToken?: string;
  /** Skip building the dashboard (tests). */
  skipDashboardBuild?: boolean;
  /** Prefix lines go here; default stdout. */
  write?: (line: string) => void;
}

export interface Launched {
  redisUrl: string;
  /** The private redis-server's admin password (user `admin`); none with a configured Redis. */
  adminPasswordFile: string | undefined;
  /** The dashboard, with `?token=` when the gateway has a token `ei up` generated. */
  dashboardUrl: string;
  supervisor: ProcessSupervisor;
  autoscaler: LocalAutoscaler;
  /** Worker processes running per type. */
  workers: (type: string) => number;
  stop(): Promise<void>;
}

const CLI_BIN = fileURLToPath(new URL('../../bin/ei.js', import.meta.url));
export const REPO_ROOT = resolve(dirname(CLI_BIN), '../../..');

/**
 * `ei up`: the whole platform as local processes under one supervisor. Redis (the
 * configured one if it answers, else a private redis-server), the gateway, the producers
 * of the configured streams, and per inference type in use between minWorkers and
 * maxWorkers workers, scaled by the local autoscaler with the HPA's rule.
 */
export async function launch(options: LaunchOptions): Promise<Launched> {
  const { config } = options;
  const logger = createLogger({
    name: 'ei-up',
    level: config.log.level,
    format: config.log.format,
  });
  const supervisor = new ProcessSupervisor({
    write: options.write,
    onCrash: (name, code, signal) => {
      void events
        ?.append({
          at: Date.now(),
          kind: 'restart',
          subject: name,
          message: `${name} exited (${signal ?? code}); restarting`,
        })
        .catch(() => undefined);
    },
  });
  let events: EventLog | undefined;
  let redis: Redis | undefined;
  let redisDir: string | undefined;
  let autoscaler: LocalAutoscaler | undefined;

  const stop = async (): Promise<void> => {
    autoscaler?.stop();
    // Producers first (no new frames), then workers finish what they hold, then the rest.
    const order = (prefix: string) => supervisor.names().filter((n) => n.startsWith(prefix));
    await Promise.all(order('producer:').map((n) => supervisor.stop(n)));
    await Promise.all(order('worker:').map((n) => supervisor.stop(n)));
    redis?.disconnect();
    await supervisor.stopAll();
    if (redisDir) await rm(redisDir, { recursive: true, force: true });
  };

  try {
    // 1. Redis: the configured one, or a private redis-server where each child connects
    // as its own ACL user (producer, worker, gateway) and the launcher as admin.
    let redisUrl = config.redis.url;
    let connection: RedisConnectionOptions = config.redis;
    let credentials = (_user: RedisUser): Record<string, string> => configuredCredentials(config);
    if (!(await redisReachable(config.redis))) {
      const server = findRedisServer();
      const wanted = Number(new URL(redisUrl).port || 6379);
      const port = (await portInUse(wanted)) ? await freePort() : wanted;
      redisDir = await mkdtemp(join(tmpdir(), 'ei-up-redis-'));
      const users = await preparePrivateRedis(redisDir, server, config.redis.keyPrefix);
      const args = [
        ...users.args,
        ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        ...['--dir', redisDir, ...redisServerLimits(config.limits.maxFrameBytes)],
      ];
      supervisor.start({ name: 'redis', command: server.path, args });
      redisUrl = `redis://127.0.0.1:${port}`;
      connection = { url: redisUrl, ...users.admin };
      credentials = (user) => ({ ...users.childEnv(user), REDIS_TLS: 'false' });
      logger.info(
        { redisUrl, adminPasswordFile: users.admin.passwordFile },
        users.perComponentUsers
          ? 'no Redis answered at redis.url: started a private redis-server with a user per component'
          : `no Redis answered at redis.url: started a private redis-server ${server.version.join('.')}, one password for all (per-component users need Redis ${ACL_MIN_REDIS_VERSION})`,
      );
    }
    redis = createRedis(connection);
    redis.on('error', () => {});
    await waitUntilReady(redis, 15_000);
    events = new EventLog(redis, config.redis.keyPrefix);
    // Children write to a pipe, so `auto` would pick JSON: decide for them from our terminal.
    const readable =
      config.log.format === 'pretty' || (config.log.format === 'auto' && process.stdout.isTTY);
    const childEnv = {
      REDIS_URL: redisUrl,
      EI_CONFIG: options.configFile,
      LOG_FORMAT: readable ? 'pretty' : 'json',
    };
    const cli = (name: string, args: string[], env: NodeJS.ProcessEnv = {}): void =>
      supervisor.start({
        name,
        command: process.execPath,
        args: [...SERVICE_NODE_FLAGS, CLI_BIN, ...args],
        env: { ...childEnv, ...env },
      });

    // 2. Gateway (serves the dashboard).
    if (!options.skipDashboardBuild) await buildDashboardIfNeeded(logger, options.write);
    const access = gatewayAccess({
      host: options.gatewayHost,
      port: options.gatewayPort,
      apiToken: options.apiToken,
    });
    cli(
      'gateway',
      [
        'gateway',
        '--port',
        String(options.gatewayPort),
        '--host',
        access.host,
        '--metrics-port',
        String(await freePort()),
        ...access.args,
      ],
      { ...credentials('gateway'), ...access.env },
    );

    // 3. Workers for the types the streams use.
    const typesInUse = [...new Set(config.streams.map((s) => s.type))];
    const running = new Map<string, string[]>();
    let workerSerial = 0;
    const scaleTo = async (type: string, replicas: number): Promise<void> => {
      const names = running.get(type) ?? [];
      running.set(type, names);
      while (names.length < replicas) {
        const name = `worker:${type}#${++workerSerial}`;
        names.push(name);
        cli(
          name,
          ['worker', '--type', type, '--metrics-port', String(await freePort())],
          credentials('worker'),
        );
      }
      while (names.length > replicas) await supervisor.stop(names.pop()!);
    };
    for (const type of typesInUse) await scaleTo(type, Math.max(1, config.types[type]!.minWorkers));

    // 4. Producers.
    for (const stream of config.streams) {
      const args = [
        'produce',
        '--source',
        stream.source,
        '--type',
        stream.type,
        '--name',
        stream.name,
        '--metrics-port',
        String(await freePort()),
      ];
      if (stream.fps !== undefined) args.push('--fps', String(stream.fps));
      if (stream.maxWidth !== undefined) args.push('--max-width', String(stream.maxWidth));
      if (stream.loop) args.push('--loop');
      cli(`producer:${stream.name}`, args, credentials('producer'));
    }

    // 5. The autoscaler.
    autoscaler = new LocalAutoscaler({
      types: typesInUse.map((type) => ({
        type,
        minWorkers: config.types[type]!.minWorkers,
        maxWorkers: config.types[type]!.maxWorkers,
      })),
      workers: new WorkerRegistry({ redis, keyPrefix: config.redis.keyPrefix }),
      events,
      logger,
      intervalMs: config.autoscaler.intervalMs,
      scaleDownWindowMs: config.autoscaler.scaleDownWindowMs,
      tolerance: config.autoscaler.tolerance,
      current: (type) => running.get(type)?.length ?? 0,
      scaleTo,
    });
    autoscaler.start();
    // The URL is printed once it answers: a user who opens it at once sees the dashboard.
    await gatewayAnswers(options.gatewayPort, 30_000).catch((error: Error) =>
      logger.warn({ err: error.message }, 'the gateway does not answer yet'),
    );
    return {
      redisUrl,
      adminPasswordFile: connection === config.redis ? undefined : connection.passwordFile,
      dashboardUrl: `http://localhost:${options.gatewayPort}/${access.generatedToken ? `?token=${access.generatedToken}` : ''}`,
      supervisor,
      autoscaler,
      workers: (type) => running.get(type)?.length ?? 0,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * What the command line gave beyond the config file (--redis-user, --password-file), for
 * children that read only the file and the environment.
 */
function configuredCredentials(config: EiConfig): Record<string, string> {
  const env: Record<string, string> = {};
  if (config.redis.username !== undefined) env.REDIS_USERNAME = config.redis.username;
  if (config.redis.passwordFile !== undefined) env.REDIS_PASSWORD_FILE = config.redis.passwordFile;
  return env;
}

/** Resolves once the gateway's /healthz answers 200; rejects after `timeoutMs`. */
async function gatewayAnswers(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (response?.ok) return;
    if (Date.now() > deadline) throw new Error(`no answer on port ${port} in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function buildDashboardIfNeeded(
  logger: Logger,
  write?: (line: string) => void,
): Promise<void> {
  const dist = join(REPO_ROOT, 'dashboard', 'dist', 'index.html');
  if (existsSync(dist) || !existsSync(join(REPO_ROOT, 'dashboard', 'package.json'))) return;
  logger.info('building the dashboard (first start)');
  const { spawn } = await import('node:child_process');
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn('pnpm', ['--filter', '@ei/dashboard', 'build'], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n'))
        if (line) (write ?? console.log)(`[dashboard build] ${line}`);
    };
    child.stdout.on('data', out);
    child.stderr.on('data', out);
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`dashboard build failed (exit ${code})`)),
    );
  });
}
