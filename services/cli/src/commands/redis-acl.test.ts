import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRedis, waitUntilReady } from '@ei/core';
import { startPrivateRedis } from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function ei(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@ei/source', '--import', 'tsx', 'services/cli/src/main.ts', ...args],
    { cwd: ROOT, env: { ...process.env, EI_CONFIG: '' } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ei-redis-acl-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ei redis-acl', () => {
  it('creates a password per user, keeps them on later runs, and redis-server runs the file', async () => {
    const secrets = join(dir, 'secrets');
    const first = await ei(['redis-acl', '--secrets-dir', secrets, '--key-prefix', 'site1:']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    for (const user of ['producer', 'worker', 'gateway', 'admin']) {
      expect((await stat(join(secrets, user))).mode & 0o077, user).toBe(0);
      expect(first.stdout).toMatch(new RegExp(`^user ${user} reset on #[0-9a-f]{64} `, 'm'));
    }
    expect(first.stdout).toContain('~site1:q:*');
    const again = await ei(['redis-acl', '--secrets-dir', secrets, '--key-prefix', 'site1:']);
    expect(again.stdout).toBe(first.stdout);

    // A rotation: a new producer password first, the old one still accepted.
    const old = (await readFile(join(secrets, 'producer'), 'utf8')).trim();
    const rotated = 'N3w-producer-password-0123456789';
    await writeFile(join(secrets, 'producer'), `${rotated}\n${old}\n`);
    const aclFile = join(dir, 'users.acl');
    const written = await ei([
      ...['redis-acl', '--secrets-dir', secrets, '--key-prefix', 'site1:'],
      ...['--out', aclFile],
    ]);
    expect(written.code).toBe(0);
    expect((await stat(aclFile)).mode & 0o077).toBe(0);
    const text = await readFile(aclFile, 'utf8');
    expect(text).not.toContain(rotated);
    expect(text).not.toContain(old);

    const server = await startPrivateRedis({ args: ['--aclfile', aclFile] });
    try {
      for (const password of [rotated, old]) {
        const producer = createRedis({ url: server.url, username: 'producer', password });
        producer.on('error', () => undefined);
        try {
          await waitUntilReady(producer);
          expect(await producer.call('ACL', 'WHOAMI').catch((e: Error) => e.message)).toMatch(
            /NOPERM/,
          );
          expect(await producer.rpush('site1:q:people:fifo', 'x')).toBeGreaterThan(0);
        } finally {
          producer.disconnect();
        }
      }
    } finally {
      await server.stop();
    }
  });

  it('refuses a short password and a bad prefix', async () => {
    const secrets = join(dir, 'weak');
    await mkdir(secrets);
    await writeFile(join(secrets, 'worker'), 'hunter2\n');
    const [weak, prefix] = await Promise.all([
      ei(['redis-acl', '--secrets-dir', secrets]),
      ei(['redis-acl', '--secrets-dir', secrets, '--key-prefix', 'a b']),
    ]);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/worker: a password must be at least 16 printable characters/);
    expect(prefix.code).toBe(2);
    expect(prefix.stderr).toContain('--key-prefix a b');
  });
});
