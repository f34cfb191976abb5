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
    env: {
      ...process.env,
      ...{ REDIS_USERNAME: '', REDIS_PASSWORD: '', REDIS_PASSWORD_FILE: '', REDIS_TLS_CA_FILE: '' },
      LOG_FORMAT: 'json',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

let redis: PrivateRedis;
let dir: string;
let passwordFile: string;

beforeAll(async () => {
  expect(
    existsSync(fileURLToPath(new URL('../services/cli/dist/main.js', import.meta.url))),
    'run `pnpm build` first',
  ).toBe(true);
  // The platform's users, as on a cluster's frame-queue NodePort.
  redis = await startPrivateRedis({ acl: {} });
  dir = await mkdtemp(join(tmpdir(), 'ei-remote-producers-'));
  passwordFile = join(dir, 'producer.password');
  await writeFile(passwordFile, `${redis.passwords!.producer}\n`, { mode: 0o600 });
});

afterAll(async () => {
  await redis.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('tools/run-fss.sh and run-css.sh', () => {
  it('run-fss.sh pushes a file as the producer user, the password read from a file, never on a command line', async () => {
    // $NODE picks the node binary: a wrapper that records how the script starts it.
    const wrapperDir = await mkdtemp(join(tmpdir(), 'ei-run-fss-'));
    const wrapper = join(wrapperDir, 'node');
    await writeFile(
      wrapper,
      `#!/bin/sh\necho "$@" > "${wrapperDir}/args"\nexec "${process.execPath}" "$@"\n`,
    );
    const scriptArgs = [
      ...['-v', CLIP, '-t', 'car', '-s', 'fss-test', '-q', '127.0.0.1', '-p', String(redis.port)],
      ...['-u', 'producer', '-k', passwordFile, '-o', '-w', '320', '-m', '0'],
    ];
    let run: Awaited<ReturnType<typeof tool>>;
    let args: string;
    try {
      await chmod(wrapper, 0o755);
      run = await tool('run-fss.sh', scriptArgs, { NODE: wrapper });
      args = (await readFile(join(wrapperDir, 'args'), 'utf8')).trim();
    } finally {
      await rm(wrapperDir, { recursive: true, force: true });
    }
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Started like every service: with the services' Node flags before the CLI.
    const words = args.split(' ');
    expect(words.slice(0, SERVICE_NODE_FLAGS.length)).toEqual(SERVICE_NODE_FLAGS);
    expect(words[SERVICE_NODE_FLAGS.length]).toMatch(/services\/cli\/bin\/ei\.js$/);
    // What `ps` shows of the script and of node: no password.
    for (const commandLine of [args, scriptArgs.join(' ')]) {
      expect(commandLine).not.toContain(redis.passwords!.producer);
    }
    const client = createRedis(redis.connection('gateway'));
    try {
      await waitUntilReady(client);
      const queue = new FrameQueue({ redis: client, type: 'car', policy: 'latest', cap: 64 });
      expect((await queue.stats()).perStream['fss-test']?.pushed).toBe(40);
    } finally {
      client.disconnect();
    }
  });

  it('takes the password from REDIS_PASSWORD too; a wrong or missing one is a clear, immediate error', async () => {
    const base = ['-v', CLIP, '-s', 'fss-denied', '-p', String(redis.port), '-o', '-m', '0'];
    const [fromEnv, wrong, missing, argv] = await Promise.all([
      tool('run-fss.sh', [...base, '-s', 'fss-env', '-w', '160'], {
        REDIS_PASSWORD: redis.passwords!.producer,
      }),
      tool('run-fss.sh', base, { REDIS_PASSWORD: 'guess' }),
      tool('run-fss.sh', base),
      tool('run-fss.sh', [...base, '-a', redis.passwords!.producer]),
    ]);
    expect(fromEnv.stderr).toBe('');
    expect(fromEnv.code).toBe(0);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/cannot use Redis at redis:\/\/127\.0\.0\.1:\d+: WRONGPASS/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no password \(-k file or REDIS_PASSWORD\)/);
    expect(missing.stderr).toMatch(/cannot use Redis at .*(WRONGPASS|NOAUTH)/);
    expect(argv.code).toBe(2);
    expect(argv.stderr).toContain('-a is no longer accepted');
  });

  it('run-css.sh explains its flags and rejects bad ones', async () => {
    const help = await tool('run-css.sh', ['-h']);
    expect(help.code).toBe(0);
    for (const flag of ['-v camera', '-t type', '-s stream', '-q host', '-p port', '-u user']) {
      expect(help.stdout).toContain(flag);
    }
    expect(help.stdout).toContain('-k file');
    expect(help.stdout).toContain('-c file');
    const bad = await tool('run-css.sh', ['-p', 'nodeport']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("queue port must be 1..65535, got 'nodeport'");
  });
});
