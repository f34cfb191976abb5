import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderConfigDocs } from './config-docs.js';
import { ConfigError } from './config-error.js';
import { loadConfig, parseConfig } from './load-config.js';

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('fills every default from an empty file', () => {
    const config = parseConfig({}, { env: {} });
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', tls: false, keyPrefix: 'ei:' });
    expect(Object.keys(config.types).sort()).toEqual(['car', 'face', 'object', 'people']);
    expect(config.types.people).toMatchObject({ policy: 'latest', classes: ['person'] });
    expect(config.types.face?.model).toBe('blazeface');
    expect(config.limits.maxFrameBytes).toBe(8 * 1024 * 1024);
  });

  it('names the bad key and the expected value', () => {
    expect(
      errorOf(() => parseConfig({ types: { people: { policy: 'newest' } } }, { env: {} })),
    ).toMatch(/types\.people\.policy: .*"latest".*"fifo".*"lossless".*\(got "newest"\)/);
    expect(errorOf(() => parseConfig({ types: { people: { cap: 0 } } }, { env: {} }))).toMatch(
      /types\.people\.cap: .*>=1.*\(got 0\)/,
    );
    expect(errorOf(() => parseConfig({ redis: { port: 6379 } }, { env: {} }))).toMatch(
      /redis: Unrecognized key: "port"/,
    );
    expect(
      errorOf(() =>
        parseConfig({ streams: [{ name: 'cam', source: 'x', type: 'boats' }] }, { env: {} }),
      ),
    ).toMatch(/streams\.0\.type: unknown inference type "boats"; known: people, car, object, face/);
    expect(errorOf(() => parseConfig([], { env: {} }))).toMatch(/top level must be a mapping/);
  });

  it('applies environment overrides over the file', () => {
    const config = parseConfig(
      { redis: { url: 'redis://file:6379' } },
      {
        env: {
          REDIS_URL: 'redis://env:6380',
          REDIS_PASSWORD: 'pw',
          REDIS_TLS: 'true',
          EI_MAX_FRAME_BYTES: '2048',
        },
      },
    );
    expect(config.redis).toMatchObject({ url: 'redis://env:6380', password: 'pw', tls: true });
    expect(config.limits.maxFrameBytes).toBe(2048);
    expect(errorOf(() => parseConfig({}, { env: { REDIS_TLS: 'maybe' } }))).toMatch(
      /REDIS_TLS=maybe: expected true or false/,
    );
  });

  it('reads YAML files and reports syntax errors with the line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ei-config-'));
    const good = join(dir, 'good.yaml');
    await writeFile(
      good,
      'types:\n  people: { policy: fifo, cap: 10 }\nstreams:\n  - { name: a, source: x.mp4, type: people }\n',
    );
    const config = await loadConfig({ file: good, env: {} });
    expect(config.types.people).toMatchObject({ policy: 'fifo', cap: 10, minScore: 0.4 });
    expect(config.streams[0]).toMatchObject({ name: 'a', loop: false });
    const bad = join(dir, 'bad.yaml');
    await writeFile(bad, 'types:\n  people: [\n');
    await expect(loadConfig({ file: bad, env: {} })).rejects.toThrow(
      /bad\.yaml at line \d+: not valid YAML/,
    );
    await expect(loadConfig({ file: join(dir, 'missing.yaml'), env: {} })).rejects.toThrow(
      /cannot read config file/,
    );
  });

  it('docs/configuration.md is the one generated from the schema (run `pnpm docs:config`)', async () => {
    const committed = await readFile(
      new URL('../../../../docs/configuration.md', import.meta.url),
      'utf8',
    );
    expect(committed).toBe(renderConfigDocs());
  });
});
