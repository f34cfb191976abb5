import { describe, expect, it } from 'vitest';
import { ProcessSupervisor } from './process-supervisor.js';

const node = process.execPath;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ProcessSupervisor', () => {
  it('prefixes output, restarts a crashed child with backoff, and stops everything', async () => {
    const lines: string[] = [];
    const supervisor = new ProcessSupervisor({
      write: (l) => lines.push(l),
      backoff: { initialMs: 50 },
    });
    // Crashes right away on its first two lives, then stays up.
    const script = `
      const fs = require('fs'); const f = process.env.COUNT_FILE;
      const n = Number(fs.existsSync(f) ? fs.readFileSync(f, 'utf8') : 0) + 1; fs.writeFileSync(f, String(n));
      console.log('life ' + n);
      if (n < 3) process.exit(3);
      process.on('SIGTERM', () => { console.log('bye'); process.exit(0); });
      setInterval(() => {}, 1000);`;
    const countFile = `/tmp/ei-supervisor-${process.pid}-${Date.now()}`;
    supervisor.start({
      name: 'flaky',
      command: node,
      args: ['-e', script],
      env: { COUNT_FILE: countFile },
    });
    await until(() => lines.includes('[flaky] life 3'));
    expect(supervisor.restarts('flaky')).toBe(2);
    expect(lines.filter((l) => l.includes('exited (code 3); restarting in'))).toHaveLength(2);
    // Backoff doubles: 50 ms, then 100 ms.
    expect(lines.some((l) => l.includes('restarting in 100 ms'))).toBe(true);
    const pid = supervisor.pid('flaky')!;
    await supervisor.stopAll();
    expect(lines).toContain('[flaky] bye');
    expect(alive(pid)).toBe(false);
  });

  it('kills a child that ignores SIGTERM after the timeout', async () => {
    const supervisor = new ProcessSupervisor({ write: () => {}, stopTimeoutMs: 300 });
    supervisor.start({
      name: 'stubborn',
      command: node,
      args: ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)"],
    });
    await until(() => supervisor.pid('stubborn') !== undefined);
    await sleep(200);
    const pid = supervisor.pid('stubborn')!;
    await supervisor.stop('stubborn');
    expect(alive(pid)).toBe(false);
    expect(supervisor.names()).toEqual([]);
  });

  it('leaves a child that finished (exit 0) down, and restarts an `always` child', async () => {
    const lines: string[] = [];
    const crashes: string[] = [];
    const supervisor = new ProcessSupervisor({
      write: (l) => lines.push(l),
      backoff: { initialMs: 50 },
      onCrash: (name) => crashes.push(name),
    });
    supervisor.start({ name: 'file', command: node, args: ['-e', 'console.log("done")'] });
    supervisor.start({
      name: 'daemon',
      command: node,
      args: ['-e', 'console.log("up")'],
      restart: 'always',
    });
    await until(() => lines.includes('[file] finished (code 0)'));
    await until(() => lines.filter((l) => l === '[daemon] up').length >= 2);
    expect(supervisor.names()).toEqual(['daemon']);
    expect(crashes.every((name) => name === 'daemon')).toBe(true);
    await supervisor.stopAll();
  });
});
