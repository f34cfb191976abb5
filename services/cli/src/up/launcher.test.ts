import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createRedis,
  EventLog,
  freePort,
  loadConfig,
  SERVICE_NODE_FLAGS,
  waitUntilReady,
  type PlatformEvent,
} from '@ei/core';
import {
  commandLine,
  descendants,
  isAlive,
  startPrivateRedis,
  waitFor,
  type PrivateRedis,
} from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, REPO_ROOT, type Launched } from './launcher.js';

// The default clip of `ei up` (20 s, 640x480, 10 fps), shipped with the CLI.
const CLIP = fileURLToPath(
  new URL('../../defaults/samples/street-people-cars.mp4', import.meta.url),
);
const CLI_BIN = join(REPO_ROOT, 'services/cli/bin/ei.js');

/** A config of one type (`people`, 1 to 2 workers) with `streams` looping the clip. */
function yamlConfig(redisUrl: string, streams: number, keyPrefix: string): string {
  const lines = [
    `redis: { url: '${redisUrl}', keyPrefix: '${keyPrefix}' }`,
    `log: { level: info, format: json }`,
    `autoscaler: { intervalMs: 500, scaleDownWindowMs: 2000 }`,
    `types:`,
    `  people: { model: nanodet, classes: [person], minWorkers: 1, maxWorkers: 2 }`,
    `streams:`,
  ];
  for (let i = 1; i <= streams; i++) {
    lines.push(`  - { name: cam${i}, source: '${CLIP}', type: people, fps: 10, loop: true }`);
  }
  return lines.join('\n') + '\n';
}

describe('ei up', () => {
  let redis: PrivateRedis;
  let dir: string;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    dir = await mkdtemp(join(tmpdir(), 'ei-up-test-'));
  });
  afterAll(async () => {
    await redis?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('scales one type 1 → 2 workers under four streams and back to 1 when they stop', async () => {
    const configFile = join(dir, 'elastic.yaml');
    await writeFile(configFile, yamlConfig(redis.url, 4, 'elastic:'));
    const config = await loadConfig({ file: configFile, env: {} });
    const lines: string[] = [];
    const gatewayPort = await freePort();
    let launched: Launched | undefined;
    const before = new Set(descendants(process.pid)); // this test's private Redis
    const client = createRedis({ url: redis.url });
    try {
      launched = await launch({
        config,
        configFile,
        gatewayPort,
        skipDashboardBuild: true,
        write: (line) => lines.push(line),
      });
      const up = launched;
      expect(up.workers('people')).toBe(1);

      // Four streams at 10 fps are about twice what one worker infers on two cores.
      await waitFor('scale-up to 2 workers', () => up.workers('people') === 2, 90_000, 200);
      const events = new EventLog(client, config.redis.keyPrefix);
      const scaleUp = (await events.recent()).find((e) => e.kind === 'scale' && e.to === 2);
      expect(scaleUp).toMatchObject({ subject: 'people', from: 1, to: 2 });
      expect(scaleUp!.message).toMatch(/average ei_scale_ratio/);

      // The streams stop: the workers go idle, and after the stabilisation window one goes.
      const producers = up.supervisor.names().filter((n) => n.startsWith('producer:'));
      expect(producers).toHaveLength(4);
      await Promise.all(producers.map((name) => up.supervisor.stop(name)));
      await waitFor('scale-down to 1 worker', () => up.workers('people') === 1, 60_000, 200);
      const scaleDown = (await events.recent()).find((e) => e.kind === 'scale' && e.to === 1);
      expect(scaleDown).toMatchObject({ subject: 'people', from: 2, to: 1 });
      expect(scaleDown!.at).toBeGreaterThan(scaleUp!.at);

      // The dashboard shows the same events, through the gateway.
      const response = await waitFor(
        'the gateway',
        async () => {
          const r = await fetch(`http://127.0.0.1:${gatewayPort}/api/events`);
          return r.ok ? r : undefined;
        },
        15_000,
        200,
      );
      const { events: shown } = (await response.json()) as { events: PlatformEvent[] };
      expect(shown.filter((e) => e.kind === 'scale').map((e) => [e.from, e.to])).toEqual([
        [2, 1],
        [1, 2],
      ]);
      // Each process's log lines carry its name.
      expect(lines.some((l) => l.startsWith('[worker:people#2] '))).toBe(true);
      expect(lines.some((l) => l.startsWith('[gateway] '))).toBe(true);
    } finally {
      client.disconnect();
      await launched?.stop();
    }
    // Every process `ei up` started is gone.
    expect(descendants(process.pid).filter((pid) => !before.has(pid) && isAlive(pid))).toEqual([]);
  }, 180_000);

  it('starts a private Redis with a user per component, and stops every child in order on Ctrl-C (SIGINT to its process group), exiting 0 and leaving no orphans', async () => {
    const configFile = join(dir, 'one.yaml');
    // Nothing answers at this URL: `ei up` starts its own redis-server there.
    await writeFile(configFile, yamlConfig(`redis://127.0.0.1:${await freePort()}`, 1, 'ctrl-c:'));
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [CLI_BIN, 'up', '--config', configFile, '--port', String(port), '--no-build'],
      // Its own process group, like a shell's foreground job.
      { cwd: REPO_ROOT, detached: true },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await waitFor('the dashboard URL', () => output.includes('Dashboard:'), 30_000, 200);
      expect(output).toContain(`http://localhost:${port}/`);
      const results = (): Promise<Response> =>
        fetch(`http://127.0.0.1:${port}/api/results?stream=cam1&limit=1`);
      // The URL is printed once the gateway answers.
      expect((await results()).status).toBe(200);
      // The stream is announced and its results arrive: the whole chain runs.
      await waitFor(
        'a result of cam1',
        async () => {
          const r = await results();
          expect(r.status).toBe(200);
          const body = (await r.json()) as { results: unknown[] };
          return body.results.length > 0;
        },
        60_000,
        200,
      );
      const children = descendants(child.pid!);
      // redis-server, gateway, one worker, one producer (and the producer's ffmpeg).
      expect(children.length).toBeGreaterThanOrEqual(4);

      // Each component connected as its own Redis user; no password is on a command line.
      const started = /"redisUrl":"([^"]+)","adminPasswordFile":"([^"]+)"/.exec(output);
      expect(started, 'the private redis-server log line').not.toBeNull();
      const [, redisUrl, adminPasswordFile] = started!;
      const admin = createRedis({
        url: redisUrl!,
        username: 'admin',
        passwordFile: adminPasswordFile,
      });
      let clients: string;
      try {
        await waitUntilReady(admin);
        clients = (await admin.call('CLIENT', 'LIST')) as string;
      } finally {
        admin.disconnect();
      }
      const usersOf = (name: RegExp): Set<string> =>
        new Set(
          clients
            .split('\n')
            .filter((line) => name.test(/ name=(\S*)/.exec(line)?.[1] ?? ''))
            .map((line) => / user=(\S+)/.exec(line)![1]!),
        );
      expect(usersOf(/^ei-producer$/)).toEqual(new Set(['producer']));
      expect(usersOf(/^ei-gateway$/)).toEqual(new Set(['gateway']));
      expect(usersOf(/^ei-(worker|consumer)-/)).toEqual(new Set(['worker']));
      expect(clients).not.toMatch(/ user=default /);
      const secretsDir = dirname(adminPasswordFile!);
      const passwords = await Promise.all(
        ['producer', 'worker', 'gateway', 'admin'].map(async (user) =>
          (await readFile(join(secretsDir, `${user}.password`), 'utf8')).trim(),
        ),
      );
      for (const line of children.map(commandLine)) {
        for (const password of passwords) expect(line).not.toContain(password);
      }
      // Every ei service runs with the services' Node flags.
      const services = children.map(commandLine).filter((line) => line.includes('ei.js'));
      expect(services.length).toBeGreaterThanOrEqual(3);
      for (const line of services) {
        for (const flag of SERVICE_NODE_FLAGS) expect(line).toContain(flag);
      }
      process.kill(-child.pid!, 'SIGINT'); // what a terminal's Ctrl-C does
      expect(await exited).toBe(0);
      // The launcher stopped each child itself; none went down on its own.
      expect(output).not.toContain('finished (code 0)');
      expect(output).toMatch(/\[worker:people#1\].*stopped/);
      await waitFor(
        'every child to exit',
        () => children.every((pid) => !isAlive(pid)),
        10_000,
        200,
      );
      // The private Redis's passwords went with it.
      expect(existsSync(secretsDir)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
