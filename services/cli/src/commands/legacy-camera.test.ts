import { encode } from '@msgpack/msgpack';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LEGACY_SOURCE, type Redis } from '@ei/core';
import {
  freePort,
  photoFixture,
  startPrivateRedisWithClient,
  waitFor,
  type PrivateRedis,
} from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEi, type EiProcess } from '../testing/ei-process.js';

/**
 * A frame as the reference demo's file_stream_service.py sends it: Python's
 * `msgpack.packb({'name': …, 'category': …, 'data': jpeg})` (str keys and values, the JPEG
 * as bin), pushed with RPUSH to `queue_<category>`. Written byte by byte here, so the test
 * does not depend on a msgpack library agreeing with Python's.
 */
function packLegacyFrame(name: string, category: string, jpeg: Buffer): Buffer {
  const str = (text: string): Buffer => {
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length > 31) throw new Error('fixstr only in this test');
    return Buffer.concat([Buffer.of(0xa0 | bytes.length), bytes]);
  };
  const bin = (bytes: Buffer): Buffer => {
    // The smallest of bin 8, bin 16 and bin 32 that holds the length, as Python's packer picks.
    if (bytes.length < 0x100) return Buffer.concat([Buffer.of(0xc4, bytes.length), bytes]);
    const head = bytes.length < 0x10000 ? Buffer.of(0xc5, 0, 0) : Buffer.of(0xc6, 0, 0, 0, 0);
    if (head.length === 3) head.writeUInt16BE(bytes.length, 1);
    else head.writeUInt32BE(bytes.length, 1);
    return Buffer.concat([head, bytes]);
  };
  return Buffer.concat([
    Buffer.of(0x83), // a map of three entries
    str('name'),
    str(name),
    str('category'),
    str(category),
    str('data'),
    bin(jpeg),
  ]);
}

let server: PrivateRedis;
let redis: Redis;
let dir: string;
const running: EiProcess[] = [];

beforeAll(async () => {
  ({ server, redis } = await startPrivateRedisWithClient());
  dir = await mkdtemp(join(tmpdir(), 'ei-legacy-'));
});
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop()));
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a reference-demo camera (msgpack on queue_face)', () => {
  it('is inferred, listed in /api/streams while it sends, and gone when it stops', async () => {
    const jpeg = readFileSync(photoFixture('megamind-5s.jpg')); // 416x305
    const message = packLegacyFrame('lobby-cam', 'face', jpeg);
    // The same bytes a msgpack encoder makes of the map: the format is the demo's exactly.
    expect(
      message.equals(Buffer.from(encode({ name: 'lobby-cam', category: 'face', data: jpeg }))),
    ).toBe(true);

    const config = join(dir, 'ei.yaml');
    await writeFile(config, `registry: { heartbeatMs: 300, ttlMs: 1500 }\n`);
    const gatewayPort = await freePort();
    const common = ['--config', config, '--redis', server.url];
    const worker = startEi([
      'worker',
      '--type',
      'face',
      '--metrics-port',
      String(await freePort()),
      ...common,
    ]);
    const gateway = startEi([
      ...['gateway', '--insecure', '--port', String(gatewayPort), '--metrics-port', '0'],
      ...common,
    ]);
    running.push(worker, gateway);
    await waitFor('the worker', () => worker.stdout.includes('taking frames'), 60_000);

    let pushed = 0;
    const camera = setInterval(() => {
      pushed += 1;
      void redis.rpush('queue_face', message);
    }, 100);
    interface Listed {
      id: string;
      type: string;
      source: string;
      state: string;
      width?: number;
      height?: number;
      fps?: number;
      frames?: number;
      lastSeen: number;
    }
    const listed = async (): Promise<Listed[]> => {
      const response = await fetch(`http://127.0.0.1:${gatewayPort}/api/streams`);
      return ((await response.json()) as { streams: Listed[] }).streams;
    };
    try {
      const stream = await waitFor(
        'lobby-cam with its rate in /api/streams',
        async () => (await listed()).find((s) => s.id === 'lobby-cam' && s.fps !== undefined),
        30_000,
      );
      expect(stream).toMatchObject({
        type: 'face',
        source: LEGACY_SOURCE,
        state: 'live',
        width: 416,
        height: 305,
      });
      expect(stream.fps).toBeGreaterThan(0);
      expect(stream.frames).toBeGreaterThan(0);
      expect(stream.frames).toBeLessThanOrEqual(pushed);
    } finally {
      clearInterval(camera);
    }
    await waitFor(
      'lobby-cam to expire',
      async () => !(await listed()).some((s) => s.id === 'lobby-cam'),
      30_000,
    );
    // Its frames were inferred like any other stream's.
    const results = (await (
      await fetch(`http://127.0.0.1:${gatewayPort}/api/results?stream=lobby-cam&limit=1`)
    ).json()) as { results: { detections: { label: string }[] }[] };
    expect(results.results[0]!.detections.map((d) => d.label)).toContain('face');
  }, 120_000);
});
