import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRedis, parseConfig, waitUntilReady, type EiConfig, type Redis } from '@ei/core';
import { startPrivateRedis, waitFor as pollUntil, type PrivateRedis } from '@ei/core/testing';
import { startGateway, type RunningGateway } from '@ei/gateway';
import { DIST_DIR } from './dashboard-build.js';

/** Core's waitFor with a longer default: a browser, a worker and ffmpeg start first. */
export function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  return pollUntil(what, check, timeoutMs, 100);
}

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** 4 s of pedestrians at 640x480, 10 fps (committed with the producer's tests). */
export const PEOPLE_CLIP = fileURLToPath(
  new URL('../../services/producer/src/testing/fixtures/vtest-640x480-4s.avi', import.meta.url),
);

/** 20 s of a street with pedestrians and cars, 640x480 (the sample clip of `ei up`). */
export const STREET_CLIP = fileURLToPath(
  new URL('../../services/cli/defaults/samples/street-people-cars.mp4', import.meta.url),
);

export interface ManagedProcess {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

export interface Platform {
  redisServer: PrivateRedis;
  /** A command connection for the test's own reads and writes. */
  redis: Redis;
  config: EiConfig;
  gateway: RunningGateway;
  baseUrl: string;
  /** The gateway's /metrics, on its ops port. */
  metricsUrl: string;
  token: string | undefined;
  /** Runs `ei <args>` from the TypeScript sources against this platform's Redis. */
  ei(args: string[]): ManagedProcess;
  /** Stops the gateway and starts a new one on the same port (clients must reconnect). */
  restartGateway(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
// Children run in their own process group (with their ffmpeg); if the test process exits
// without cleaning up, the groups are killed here rather than left behind.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals, evenIfExited = false): void {
  if (child.pid === undefined) return;
  if (!evenIfExited && (child.exitCode !== null || child.signalCode !== null)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * The real platform on private ports: a private redis-server, the gateway in this process
 * serving the built dashboard, and `ei` services as child processes.
 */
export async function startPlatform(options: { token?: string } = {}): Promise<Platform> {
  const redisServer = await startPrivateRedis();
  const redis = createRedis({ url: redisServer.url });
  redis.on('error', () => {});
  const processes: ManagedProcess[] = [];
  let gateway: RunningGateway | undefined;
  try {
    await waitUntilReady(redis);
    const config = parseConfig(
      { redis: { url: redisServer.url }, log: { level: 'warn' } },
      { env: {} },
    );
    const start = (port: number) =>
      startGateway({
        config,
        port,
        host: '127.0.0.1',
        metricsPort: 0,
        apiToken: options.token,
        // Without a token, on purpose: only this test's browser, on loopback, reads it.
        insecure: options.token === undefined,
        dashboardDir: DIST_DIR,
      });
    gateway = await start(0);
    const port = gateway.port;
    const platform: Platform = {
      redisServer,
      redis,
      config,
      gateway,
      baseUrl: `http://127.0.0.1:${port}`,
      get metricsUrl() {
        return `http://127.0.0.1:${platform.gateway.metricsPort}/metrics`;
      },
      token: options.token,
      ei(args) {
        const managed = spawnEi(args, redisServer.url);
        processes.push(managed);
        return managed;
      },
      async restartGateway(downMs = 0) {
        await closeGateway(platform.gateway);
        if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
        platform.gateway = await start(port);
      },
      async stop() {
        await Promise.allSettled(processes.map((p) => p.stop()));
        await closeGateway(platform.gateway).catch(() => {});
        redis.disconnect();
        await redisServer.stop();
      },
    };
    return platform;
  } catch (error) {
    await Promise.allSettled(processes.map((p) => p.stop()));
    await gateway?.close().catch(() => {});
    redis.disconnect();
    await redisServer.stop();
    throw error;
  }
}

/**
 * Closes a gateway that browsers are connected to. `RunningGateway.close()` awaits
 * `server.close()` before it calls `closeAllConnections()`, and a browser's open HTTP
 * connection (one it preconnected, or a request in flight) can hold that await forever;
 * closing connections as they come until it returns avoids the hang.
 */
async function closeGateway(gateway: RunningGateway): Promise<void> {
  const sweeper = setInterval(() => gateway.server.closeAllConnections(), 100);
  try {
    await gateway.close();
  } finally {
    clearInterval(sweeper);
  }
}

function spawnEi(args: string[], redisUrl: string): ManagedProcess {
  const child = spawn(
    process.execPath,
    ['--conditions=@ei/source', '--import', 'tsx', 'services/cli/src/main.ts', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: redisUrl, LOG_FORMAT: 'json', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );
  return {
    child,
    output: () => output,
    async stop() {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      // ffmpeg and anything else left in the group.
      killGroup(child, 'SIGKILL', true);
    },
  };
}
