import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createRedis,
  decodeResultMessage,
  freePort,
  SERVICE_NODE_FLAGS,
  waitUntilReady,
  type InferenceResult,
  type RedisUser,
} from '@ei/core';
import { startPrivateRedis, waitFor, type PrivateRedis } from '@ei/core/testing';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The services as an operator runs them (the built CLI, `pnpm build` first), each with its
// own Redis user, over TLS only: the Redis has no plain port.
const CLI_BIN = fileURLToPath(new URL('../../bin/ei.js', import.meta.url));
const CLIP = fileURLToPath(
  new URL('../../../producer/src/testing/fixtures/vtest-640x480-4s.avi', import.meta.url),
);
const TOKEN = 'tls-test-token-0123456789';

let redis: PrivateRedis;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  expect(
    existsSync(fileURLToPath(new URL('../../dist/main.js', import.meta.url))),
    'run `pnpm build` first',
  ).toBe(true);
  redis = await startPrivateRedis({ acl: {}, tls: true });
  dir = await mkdtemp(join(tmpdir(), 'ei-tls-'));
});

afterAll(async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Starts `ei <args>` as `user`: URL, user, CA and password file in the environment only. */
async function service(user: RedisUser, args: string[]): Promise<{ output: () => string }> {
  const passwordFile = join(dir, `${user}.password`);
  await writeFile(passwordFile, `${redis.passwords![user]}\n`, { mode: 0o600 });
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, CLI_BIN, ...args], {
    env: {
      ...process.env,
      ...{ EI_CONFIG: '', REDIS_PASSWORD: '', LOG_FORMAT: 'json' },
      REDIS_URL: redis.url,
      REDIS_USERNAME: user,
      REDIS_PASSWORD_FILE: passwordFile,
      REDIS_TLS_CA_FILE: redis.caFile!,
      EI_API_TOKEN: TOKEN,
    },
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { output: () => output };
}

describe('producer → worker → gateway over rediss://', () => {
  it('carries frames and results with a test CA, each service as its own user', async () => {
    expect(redis.url).toMatch(/^rediss:\/\//);
    const port = await freePort();
    const gateway = await service('gateway', [
      'gateway',
      '--port',
      String(port),
      '--metrics-port',
      '0',
    ]);
    const worker = await service('worker', ['worker', '--type', 'people', '--metrics-port', '0']);
    const producer = await service('producer', [
      ...['produce', '--source', CLIP, '--type', 'people', '--name', 'tls-cam'],
      ...['--loop', '--fps', '10', '--max-width', '320', '--metrics-port', '0'],
    ]);
    const logs = () =>
      `gateway:\n${gateway.output()}\nworker:\n${worker.output()}\nproducer:\n${producer.output()}`;
    const api = (path: string) =>
      fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });

    // The compact results stream: written by the worker, read by the gateway.
    const logged = await waitFor(
      'a result of tls-cam in /api/results',
      async () => {
        const response = await api('/api/results?stream=tls-cam&limit=1').catch(() => undefined);
        if (!response?.ok) return undefined;
        const body = (await response.json()) as { results: InferenceResult[] };
        return body.results[0];
      },
      90_000,
      250,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${logs()}`);
    });
    expect(logged).toMatchObject({ streamId: 'tls-cam', type: 'people' });

    // Live results with the JPEG: published by the worker, relayed by the gateway.
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws/streams/tls-cam?token=${TOKEN}`);
    const live: InferenceResult[] = [];
    ws.on('message', (data, isBinary) => {
      if (isBinary) live.push(decodeResultMessage(new Uint8Array(data as Buffer)).result);
    });
    try {
      await waitFor('a live result on the websocket', () => live.length > 0, 30_000, 100);
    } finally {
      ws.close();
    }
    expect(live[0]).toMatchObject({ streamId: 'tls-cam' });

    // Every connection of the services is a TLS one as its own user.
    const admin = createRedis(redis.connection('admin'));
    try {
      await waitUntilReady(admin);
      const clients = (await admin.call('CLIENT', 'LIST')) as string;
      const users = new Set([...clients.matchAll(/ user=(\S+)/g)].map((m) => m[1]));
      expect(users).toEqual(new Set(['producer', 'worker', 'gateway', 'admin']));
    } finally {
      admin.disconnect();
    }
    // Without the test CA the server's certificate is not trusted: no connection at all.
    const untrusted = createRedis({ ...redis.connection('admin'), tlsCaFile: undefined });
    const errors: string[] = [];
    untrusted.on('error', (error: Error) => errors.push(error.message));
    try {
      await expect(waitUntilReady(untrusted, 2000)).rejects.toThrow(/not ready/);
      expect(errors.join('\n')).toMatch(/certificate/);
    } finally {
      untrusted.disconnect();
    }
  }, 150_000);
});
