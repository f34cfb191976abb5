import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, where `ei` runs in the tests unless told otherwise. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** Node arguments that run `ei` from its TypeScript sources (no stale build), from any folder. */
export const EI_FROM_SOURCES = [
  '--conditions=@ei/source',
  '--import',
  import.meta.resolve('tsx'),
  join(REPO_ROOT, 'services/cli/src/main.ts'),
] as const;

export interface EiRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface EiOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** SIGTERM once this holds for the output so far (a service that runs until stopped). */
  signalWhen?: (stdout: string) => boolean;
  /** SIGTERM once this resolves. */
  stopWhen?: Promise<void>;
}

/** A running `ei` whose output is collected. */
export interface EiProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves when it has exited and its output is read. */
  exited: Promise<EiRun>;
  /** SIGTERM, then the exit. */
  stop(): Promise<EiRun>;
}

/** Starts `ei <args>` with JSON logs, from the sources. */
export function startEi(args: readonly string[], options: EiOptions = {}): EiProcess {
  const child = spawn(process.execPath, [...EI_FROM_SOURCES, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, LOG_FORMAT: 'json', ...options.env },
  });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (!signalled && options.signalWhen?.(stdout)) {
      signalled = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  void options.stopWhen?.then(() => child.kill('SIGTERM'));
  const exited = new Promise<EiRun>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs `ei <args>` to its end. */
export function runEi(args: readonly string[], options: EiOptions = {}): Promise<EiRun> {
  return startEi(args, options).exited;
}
