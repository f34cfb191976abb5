import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Backoff, type BackoffOptions } from '@ei/core';

export interface ChildSpec {
  /** Unique name, also the log prefix (`worker:people#2`). */
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  /**
   * `on-failure` (default): a child that exits 0 by itself has finished its work (a file
   * stream that reached its end) and stays down. `always`: restarted whatever its status.
   */
  restart?: 'on-failure' | 'always';
}

export interface SupervisorOptions {
  /** Where prefixed log lines go. Default: stdout. */
  write?: (line: string) => void;
  /** Restart delays: `Backoff`'s defaults (500 ms doubling up to 10 s), without jitter. */
  backoff?: BackoffOptions;
  /** A child that ran this long is healthy again: its backoff resets. Default 30 s. */
  healthyAfterMs?: number;
  /** How long a child gets after SIGTERM before SIGKILL. Default 5 s. */
  stopTimeoutMs?: number;
  /** Called when a child exits unexpectedly (before its restart). */
  onCrash?: (name: string, code: number | null, signal: NodeJS.Signals | null) => void;
}

interface Supervised {
  spec: ChildSpec;
  process: ChildProcess | undefined;
  backoff: Backoff;
  startedAt: number;
  restarts: number;
  restartTimer: NodeJS.Timeout | undefined;
  stopping: boolean;
}

/**
 * Runs the processes of a local deployment: each child's output prefixed with its name,
 * a crashed child restarted with capped exponential backoff, and on stop every child
 * given SIGTERM, then SIGKILL after a timeout. Children get an IPC channel; the CLI exits
 * when that channel closes, so even a killed supervisor leaves no orphans.
 */
export class ProcessSupervisor {
  private readonly children = new Map<string, Supervised>();
  private readonly options: Required<Omit<SupervisorOptions, 'onCrash'>> &
    Pick<SupervisorOptions, 'onCrash'>;
  private stopped = false;

  constructor(options: SupervisorOptions = {}) {
    this.options = {
      write: options.write ?? ((line) => process.stdout.write(line + '\n')),
      backoff: { jitter: 0, ...options.backoff },
      healthyAfterMs: options.healthyAfterMs ?? 30_000,
      stopTimeoutMs: options.stopTimeoutMs ?? 5_000,
      onCrash: options.onCrash,
    };
  }

  start(spec: ChildSpec): void {
    if (this.stopped) throw new Error('supervisor is stopped');
    if (this.children.has(spec.name)) throw new Error(`a child named ${spec.name} already runs`);
    const entry: Supervised = {
      spec,
      process: undefined,
      backoff: new Backoff(this.options.backoff),
      startedAt: 0,
      restarts: 0,
      restartTimer: undefined,
      stopping: false,
    };
    this.children.set(spec.name, entry);
    this.launch(entry);
  }

  /** Names of the children, running or waiting to restart. */
  names(): string[] {
    return [...this.children.keys()];
  }

  pid(name: string): number | undefined {
    return this.children.get(name)?.process?.pid;
  }

  restarts(name: string): number {
    return this.children.get(name)?.restarts ?? 0;
  }

  /** Stops one child for good (scale-down): SIGTERM, SIGKILL after the timeout. */
  async stop(name: string): Promise<void> {
    const entry = this.children.get(name);
    if (!entry) return;
    entry.stopping = true;
    clearTimeout(entry.restartTimer);
    await this.terminate(entry);
    this.children.delete(name);
  }

  /** Stops every child. */
  async stopAll(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.names().map((name) => this.stop(name)));
  }

  private launch(entry: Supervised): void {
    const { spec } = entry;
    const child = spawn(spec.command, [...spec.args], {
      env: { ...process.env, ...spec.env, EI_SUPERVISED: '1' },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      // Its own process group: a terminal's Ctrl-C reaches only the supervisor, which
      // then stops the children in order (producers first) instead of all at once.
      detached: true,
    });
    entry.process = child;
    entry.startedAt = Date.now();
    const prefix = `[${spec.name}]`;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) =>
        this.options.write(`${prefix} ${line}`),
      );
    }
    child.on('error', (error) => this.options.write(`${prefix} cannot start: ${error.message}`));
    child.on('exit', (code, signal) => {
      entry.process = undefined;
      if (entry.stopping || this.stopped) return;
      if (code === 0 && (spec.restart ?? 'on-failure') === 'on-failure') {
        this.options.write(`${prefix} finished (code 0)`);
        this.children.delete(spec.name);
        return;
      }
      this.options.onCrash?.(spec.name, code, signal);
      if (Date.now() - entry.startedAt >= this.options.healthyAfterMs) entry.backoff.reset();
      const delay = entry.backoff.next();
      this.options.write(
        `${prefix} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`,
      );
      entry.restartTimer = setTimeout(() => {
        if (entry.stopping || this.stopped) return;
        entry.restarts += 1;
        this.launch(entry);
      }, delay);
    });
  }

  private async terminate(entry: Supervised): Promise<void> {
    const child = entry.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      // 'close' comes once the child's output is read to the end, so its last log lines
      // are written before we go on (and perhaps exit). A grandchild that still holds the
      // pipes must not hold us: after 'exit', wait at most a second for them.
      child.once('close', done);
      child.once('exit', () => setTimeout(done, 1000).unref());
      child.kill('SIGTERM');
    });
  }
}
