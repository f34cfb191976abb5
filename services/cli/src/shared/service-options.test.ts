import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis } from '@ei/core';
import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { loadServiceConfig } from './service-options.js';

describe('service options', () => {
  it('refuse a password on the command line, saying where to put it instead', async () => {
    const refused = loadServiceConfig({ password: 'hunter2' });
    await expect(refused).rejects.toBeInstanceOf(CliError);
    await expect(refused).rejects.toThrow(
      /--password is not accepted: every user of the machine can read a command line \(ps\).*--password-file.*REDIS_PASSWORD/,
    );
  });

  it('refuse a Redis URL that carries a password on the command line', async () => {
    await expect(
      loadServiceConfig({ redis: 'redis://producer:hunter2@cluster:31003' }),
    ).rejects.toThrow(/--redis carries a password.*REDIS_URL/);
    const config = await loadServiceConfig({ redis: 'redis://producer@cluster:31003' });
    expect(config.redis.url).toBe('redis://producer@cluster:31003');
  });

  it('take the user and the password file, and the password is read from the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ei-service-options-'));
    try {
      const file = join(dir, 'password');
      await writeFile(file, 's3cret-from-a-file\nolder-password\n');
      const config = await loadServiceConfig({
        redis: 'redis://127.0.0.1:1',
        redisUser: 'worker',
        passwordFile: file,
      });
      expect(config.redis).toMatchObject({ username: 'worker', passwordFile: file });
      const redis = createRedis(config.redis, { maxBackoffMs: 10 });
      redis.on('error', () => undefined);
      expect(redis.options).toMatchObject({ username: 'worker', password: 's3cret-from-a-file' });
      redis.disconnect();
      expect(() => createRedis({ ...config.redis, passwordFile: join(dir, 'missing') })).toThrow(
        /cannot read the Redis password file .*missing \(redis\.passwordFile/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
