import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { passwordHash } from '@ei/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preparePrivateRedis } from './local-redis.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ei-local-redis-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ei up's private Redis users", () => {
  it('Redis 7: an ACL file and a password file per user, readable by the owner only', async () => {
    const own = join(dir, 'seven');
    await mkdir(own);
    const setup = await preparePrivateRedis(
      own,
      { path: 'redis-server', version: [7, 0, 15] },
      'x:',
    );
    expect(setup.perComponentUsers).toBe(true);
    expect(setup.args[0]).toBe('--aclfile');
    const acl = await readFile(setup.args[1]!, 'utf8');
    for (const user of ['producer', 'worker', 'gateway'] as const) {
      const env = setup.childEnv(user);
      expect(env).toMatchObject({ REDIS_USERNAME: user, REDIS_PASSWORD: '' });
      expect((await stat(env.REDIS_PASSWORD_FILE!)).mode & 0o077).toBe(0);
      const password = (await readFile(env.REDIS_PASSWORD_FILE!, 'utf8')).trim();
      expect(acl).toContain(`user ${user} reset on #${passwordHash(password)} `);
      expect(acl).toContain('~x:q:*');
    }
    expect(setup.admin.username).toBe('admin');
  });

  it('Redis older than 7.0: one password for all, in the config file, not on a command line', async () => {
    const own = join(dir, 'six');
    await mkdir(own);
    const setup = await preparePrivateRedis(
      own,
      { path: 'redis-server', version: [6, 2, 14] },
      'ei:',
    );
    expect(setup.perComponentUsers).toBe(false);
    expect(setup.args).toEqual([join(own, 'redis.conf')]);
    const password = (await readFile(setup.admin.passwordFile, 'utf8')).trim();
    expect(await readFile(setup.args[0]!, 'utf8')).toBe(`requirepass ${password}\n`);
    expect(setup.childEnv('worker').REDIS_PASSWORD_FILE).toBe(setup.admin.passwordFile);
    expect(setup.admin.username).toBeUndefined();
  });
});
