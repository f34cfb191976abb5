import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedis, FrameQueue, SERVICE_NODE_FLAGS, waitUntilReady } from '@ei/core';
import { startPrivateRedis, type PrivateRedis } from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// These scripts run the built CLI, as an operator's machine does: `pnpm build` first
// (the root `pnpm test` does).
const TOOLS = fileURLToPath(new URL('./', import.meta.url));
const CLIP = fileURLToPath(
  new URL('../services/producer/src/testing/fixtures/vtest-640x480-4s.avi', import.meta.url),
);

function tool(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', [`${TOOLS}${script}`, ...args], {
    env: { ...process.env, REDIS_PASSWORD: '', LOG_FORMAT: 'json', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

let redis: PrivateRedis;

beforeAll(async () => {
  expect(
    existsSync(fileURLToPath(new URL('../services/cli/dist/main.js', import.meta.url))),
    'run `pnpm build` first',
  ).toBe(true);
  redis = await startPrivateRedis({ password: 'fr4me-queue' });
});

afterAll(async () => {
  await redis.stop();
});

describe('tools/run-fss.sh and run-css.sh', () => {
  it('run-fss.sh pushes a file through a password-protected Redis (AUTH)', async () => {
    // $NODE picks the node binary: a wrapper that records how the script starts it.
    const dir = await mkdtemp(join(tmpdir(), 'ei-run-fss-'));
    const wrapper = join(dir, 'node');
    await writeFile(
      wrapper,
      `#!/bin/sh\necho "$@" > "${dir}/args"\nexec "${process.execPath}" "$@"\n`,
    );
    let run: Awaited<ReturnType<typeof tool>>;
    let args: string[];
    try {
      await chmod(wrapper, 0o755);
      run = await tool(
        'run-fss.sh',
        [
          ...['-v', CLIP, '-t', 'car', '-s', 'fss-test', '-q', '127.0.0.1'],
          ...['-p', String(redis.port), '-a', 'fr4me-queue', '-o', '-w', '320', '-m', '0'],
        ],
        { NODE: wrapper },
      );
      args = (await readFile(join(dir, 'args'), 'utf8')).trim().split(' ');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Started like every service: with the services' Node flags before the CLI.
    expect(args.slice(0, SERVICE_NODE_FLAGS.length)).toEqual(SERVICE_NODE_FLAGS);
    expect(args[SERVICE_NODE_FLAGS.length]).toMatch(/services\/cli\/bin\/ei\.js$/);
    const client = createRedis({ url: redis.url, password: 'fr4me-queue' });
    try {
      await waitUntilReady(client);
      const queue = new FrameQueue({ redis: client, type: 'car', policy: 'latest', cap: 64 });
      expect((await queue.stats()).perStream['fss-test']?.pushed).toBe(40);
    } finally {
      client.disconnect();
    }
  });

  it('a wrong or missing password is a clear, immediate error', async () => {
    const base = ['-v', CLIP, '-s', 'fss-denied', '-p', String(redis.port), '-o', '-m', '0'];
    const [wrong, missing] = await Promise.all([
      tool('run-fss.sh', [...base, '-a', 'guess']),
      tool('run-fss.sh', base),
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/cannot use Redis at redis:\/\/127\.0\.0\.1:\d+: WRONGPASS/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no password \(-a or REDIS_PASSWORD\)/);
    expect(missing.stderr).toMatch(/NOAUTH/);
  });

  it('run-css.sh explains its flags and rejects bad ones', async () => {
    const help = await tool('run-css.sh', ['-h']);
    expect(help.code).toBe(0);
    for (const flag of ['-v camera', '-t type', '-s stream', '-q host', '-p port', '-a password']) {
      expect(help.stdout).toContain(flag);
    }
    const bad = await tool('run-css.sh', ['-p', 'nodeport']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("queue port must be 1..65535, got 'nodeport'");
  });
});
