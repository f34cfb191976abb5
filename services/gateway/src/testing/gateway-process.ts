import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS } from '@ei/core';
import { freePort, waitFor } from '@ei/core/testing';

/** The built `ei` command (`pnpm build`; `pnpm test` builds first). */
const CLI_BIN = fileURLToPath(new URL('../../../cli/bin/ei.js', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  pid: number;
  port: number;
  metricsPort: number;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export interface GatewayProcessOptions {
  redisUrl: string;
  /** Arguments after `ei gateway --port --metrics-port --host`. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Node options before the script (`--import <file>`, ...). */
  nodeArgs?: string[];
}

/**
 * `ei gateway` as a process of its own, as a cluster runs it (the services' Node flags,
 * JSON logs), on free ports of 127.0.0.1; resolves once its /healthz answers.
 */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  const port = await freePort();
  const metricsPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...SERVICE_NODE_FLAGS,
      ...(options.nodeArgs ?? []),
      CLI_BIN,
      'gateway',
      '--port',
      String(port),
      '--metrics-port',
      String(metricsPort),
      '--host',
      '127.0.0.1',
      ...(options.args ?? []),
    ],
    {
      env: { ...process.env, REDIS_URL: options.redisUrl, LOG_FORMAT: 'json', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const answers = waitFor(
    'the gateway process to answer /healthz',
    async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok,
    30_000,
    100,
  ).then(() => 'up' as const);
  // If the process exits first, the polling above still ends later: nothing may be left unhandled.
  answers.catch(() => undefined);
  const outcome = await Promise.race([answers, exited.then(() => 'exited' as const)]).catch(
    (error: Error) => error,
  );
  if (outcome !== 'up') {
    await stop();
    const why = outcome === 'exited' ? 'ei gateway exited' : outcome.message;
    throw new Error(`${why}\n${output}`);
  }
  return { child, pid: child.pid!, port, metricsPort, output: () => output, exited, stop };
}
