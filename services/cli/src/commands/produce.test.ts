import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameQueue, parseConfig, StreamRegistry, type Redis } from '@ei/core';
import {
  freePort,
  startPrivateRedisWithClient,
  waitFor,
  type PrivateRedis,
} from '@ei/core/testing';
import { startGateway } from '@ei/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEi as ei } from '../testing/ei-process.js';

const CLIP = fileURLToPath(
  new URL('../../../producer/src/testing/fixtures/vtest-640x480-4s.avi', import.meta.url),
);

let redis: PrivateRedis;
let client: Redis;
beforeAll(async () => ({ server: redis, redis: client } = await startPrivateRedisWithClient()));
afterAll(() => redis.stop());

describe('ei produce', () => {
  it('feeds a file into the queue of its type and exits 0 at its end', async () => {
    const run = await ei([
      ...['produce', '--source', CLIP, '--type', 'car', '--name', 'cli-file'],
      ...['--redis', redis.url, '--metrics-port', '0', '--max-width', '320', '--policy', 'fifo'],
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"msg":"file finished"');
    const queue = new FrameQueue({ redis: client, type: 'car', policy: 'fifo', cap: 64 });
    expect(await queue.stats()).toMatchObject({ pushed: 40, dropped: 0, waiting: { fifo: 40 } });
  });

  it('stops on SIGTERM: ffmpeg ends, the stream leaves the registry, exit status 0', async () => {
    const registry = new StreamRegistry({ redis: client });
    let seenLive = false;
    const run = await ei(
      [
        ...['produce', '--source', CLIP, '--type', 'people', '--name', 'cli-loop', '--loop'],
        ...['--redis', redis.url, '--metrics-port', '0'],
      ],
      { signalWhen: (stdout) => (seenLive ||= stdout.includes('"msg":"stream live"')) },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"msg":"stream stopped"');
    expect(await registry.get('cli-loop')).toBeUndefined();
  });

  it('refuses bad setups with a clear message, a non-zero status and no stack trace', async () => {
    const base = [
      'produce',
      '--type',
      'people',
      '--name',
      'bad',
      '--redis',
      redis.url,
      '--metrics-port',
      '0',
    ];
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [
        [...base, '--source', CLIP, '--type', 'zebra'],
        {},
        /unknown inference type "zebra".*known: .*people/,
      ],
      [[...base, '--source', 'rtsp:/camera'], {}, /not a valid URL/],
      [[...base, '--source', 'ftp://camera/x'], {}, /unsupported scheme ftp/],
      [
        [...base, '--source', CLIP],
        { FFMPEG_PATH: '/nonexistent/ffmpeg' },
        /ffmpeg not found at FFMPEG_PATH/,
      ],
      [['produce', '--type', 'people', '--name', 'bad'], {}, /give --source/],
    ];
    const runs = await Promise.all(cases.map(([args, env]) => ei(args, { env })));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]![0].join(' ')).not.toBe(0);
      expect(run.stderr).toMatch(cases[i]![2]);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    });
  }, 60_000); // five processes at once

  it('never shows a camera password: registry, /api/streams, logs and errors all mask it', async () => {
    const closed = await freePort(); // nothing listens: ffmpeg fails and quotes the URL
    const dir = await mkdtemp(join(tmpdir(), 'ei-secrets-'));
    const config = join(dir, 'ei.yaml');
    await writeFile(
      config,
      [
        'streams:',
        '  - name: door',
        `    source: rtsp://admin:secret@127.0.0.1:${closed}/live`,
        '    type: people',
        '  - name: yard',
        `    source: "http://127.0.0.1:${closed}/video.cgi?user=admin&pwd=secret"`,
        '    type: people',
        '',
      ].join('\n'),
    );
    const gateway = await startGateway({
      config: parseConfig({ redis: { url: redis.url } }, { env: {} }),
      port: 0,
      host: '127.0.0.1',
      apiToken: 'test-token',
    });
    const api = async (path: string): Promise<string> =>
      (
        await fetch(`http://127.0.0.1:${gateway.port}${path}`, {
          headers: { authorization: 'Bearer test-token' },
        })
      ).text();
    let stop!: () => void;
    const running = ei(
      ['produce', '--config', config, '--redis', redis.url, '--metrics-port', '0'],
      { env: { LOG_LEVEL: 'debug' }, stopWhen: new Promise<void>((resolve) => (stop = resolve)) },
    );
    // Both sources failed at least once: their errors are in the registry by now. The
    // producer starts from its TypeScript sources, slow on a busy machine.
    const failed = await waitFor(
      'both sources to fail',
      async () => {
        const streams = await new StreamRegistry({ redis: client }).list();
        const withError = streams.filter((s) => s.lastError?.includes('Connection refused'));
        return withError.length === 2 && withError;
      },
      60_000,
    );
    const hashes = JSON.stringify(
      await Promise.all(failed.map((s) => client.hgetall(`ei:stream:${s.id}`))),
    );
    const list = await api('/api/streams');
    const one = await api('/api/streams/yard');
    stop();
    const run = await running;
    await gateway.close();
    await rm(dir, { recursive: true, force: true });
    expect(run.code, run.stderr).toBe(0);
    // What each place shows instead: the masked URLs and ffmpeg's own error about them.
    expect(hashes).toContain(`rtsp://admin:***@127.0.0.1:${closed}/live`);
    expect(list).toContain('video.cgi?user=admin&pwd=***');
    expect(one).toContain(`video.cgi?user=admin&pwd=***: Connection refused`);
    expect(run.stdout).toContain('capture stopped; retrying');
    for (const [where, text] of Object.entries({
      hashes,
      list,
      one,
      stdout: run.stdout,
      stderr: run.stderr,
    })) {
      expect(text.includes('secret'), `${where}: ${text}`).toBe(false);
    }
  }, 120_000);

  it('documents every option in --help', async () => {
    const run = await ei(['produce', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('--password <');
    for (const option of [
      '--source',
      '--type',
      '--name',
      '--fps',
      '--max-width',
      '--loop',
      '--policy',
      '--metrics-port',
      '--redis-user',
      '--password-file',
      '--redis',
      '--config',
    ]) {
      expect(run.stdout).toContain(option);
    }
  });
});
