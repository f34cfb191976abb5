import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRedis,
  decodeResultMessage,
  parseConfig,
  ResultBus,
  StreamRegistry,
  waitUntilReady,
  WorkerRegistry,
  type InferenceResult,
  type Redis,
} from '@ei/core';
import {
  type PrivateRedis,
  sampleJpeg,
  startPrivateRedis,
  waitFor,
  sampleResult,
} from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startGateway, type RunningGateway } from './gateway-server.js';
import { metricValue as metricOf } from './testing/gateway-clients.js';

let server: PrivateRedis;
let redis: Redis;
let gateway: RunningGateway;
let base: string;
const TOKEN = 's3cret-token';

beforeAll(async () => {
  server = await startPrivateRedis();
  redis = createRedis({ url: server.url });
  redis.on('error', () => {});
  await waitUntilReady(redis);
  const dashboardDir = await mkdtemp(join(tmpdir(), 'ei-dash-'));
  await mkdir(join(dashboardDir, 'assets'));
  await writeFile(join(dashboardDir, 'index.html'), '<!doctype html><div id="app"></div>');
  await writeFile(join(dashboardDir, 'assets', 'app-1234.js'), 'console.log(1)');
  gateway = await startGateway({
    config: parseConfig({ redis: { url: server.url } }, { env: {} }),
    port: 0,
    host: '127.0.0.1',
    apiToken: TOKEN,
    metricsPort: 0,
    maxWsClients: 250,
    maxWsClientsPerIp: 250,
    maxWsBufferedBytes: 512 * 1024,
    dashboardDir,
  });
  base = `http://127.0.0.1:${gateway.port}`;
});
afterAll(async () => {
  await gateway.close();
  redis.disconnect();
  await server.stop();
});

const auth = { authorization: `Bearer ${TOKEN}` };
const bus = () => new ResultBus({ redis });

async function openWs(
  path: string,
): Promise<{ ws: WebSocket; frames: InferenceResult[]; texts: unknown[] }> {
  const ws = new WebSocket(
    `ws://127.0.0.1:${gateway.port}${path}${path.includes('?') ? '&' : '?'}token=${TOKEN}`,
  );
  const frames: InferenceResult[] = [];
  const texts: unknown[] = [];
  ws.on('message', (data, isBinary) => {
    if (isBinary) frames.push(decodeResultMessage(new Uint8Array(data as Buffer)).result);
    else texts.push(JSON.parse(data.toString()));
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  await until(() => texts.length > 0); // the hello
  return { ws, frames, texts };
}

/** Polls `condition` every 20 ms (core's waitFor). */
function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  return waitFor('a condition', condition, timeoutMs, 20);
}

describe('gateway REST', () => {
  it('lists streams in the reference shape, with queue counters, and answers one stream', async () => {
    await new StreamRegistry({ redis }).announce({
      id: 'cam-1',
      type: 'people',
      source: 'rtsp://u:p@cam/x',
      state: 'live',
      host: 'edge',
      width: 640,
      height: 480,
      fps: 15,
    });
    const list = (await (await fetch(`${base}/api/streams`, { headers: auth })).json()) as {
      streams: Record<string, unknown>[];
    };
    expect(list.streams).toHaveLength(1);
    expect(list.streams[0]).toMatchObject({
      id: 'cam-1',
      type: 'people',
      state: 'live',
      source: 'rtsp://u:***@cam/x',
      queue: { pushed: 0, dropped: 0 },
    });
    const one = await fetch(`${base}/api/streams/cam-1`, { headers: auth });
    expect(one.status).toBe(200);
    const missing = await fetch(`${base}/api/streams/nope`, { headers: auth });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'stream/not-found' } });
  });

  it('summarises types and cluster totals from the workers’ own reports', async () => {
    await new WorkerRegistry({ redis }).report({
      id: 'w1',
      type: 'people',
      host: 'h',
      model: 'nanodet',
      state: 'ready',
      inferFps: 19.5,
      dropFps: 3,
      scaleRatio: 1.15,
      inferenceMs: 50,
    });
    const { types } = (await (await fetch(`${base}/api/types`, { headers: auth })).json()) as {
      types: Record<string, unknown>[];
    };
    expect(types.map((t) => t.name).sort()).toEqual(['car', 'face', 'object', 'people']);
    expect(types.find((t) => t.name === 'people')).toMatchObject({
      model: 'nanodet',
      policy: 'latest',
      inferFps: 19.5,
      dropFps: 3,
      scaleRatio: 1.15,
      queueDepth: 0,
    });
    const stats = await (await fetch(`${base}/api/stats`, { headers: auth })).json();
    expect(stats).toMatchObject({ streams: 1, workers: 1, inferFps: 19.5, dropFps: 3 });
  });

  it('serves the compact results, newest first, filtered by stream', async () => {
    for (let seq = 0; seq < 5; seq++)
      await bus().publish(sampleResult(seq % 2 ? 'odd' : 'even', seq), sampleJpeg());
    const body = (await (
      await fetch(`${base}/api/results?stream=odd&limit=10`, { headers: auth })
    ).json()) as { results: InferenceResult[] };
    expect(body.results.map((r) => r.seq)).toEqual([3, 1]);
  });

  it('answers bad requests and unknown routes with a 4xx JSON body, and requires the token', async () => {
    for (const [path, status] of [
      ['/api/results?limit=0', 400],
      ['/api/results?limit=abc', 400],
      ['/api/results?stream=bad%20id', 400],
      ['/api/results?unknown=1', 400],
      ['/api/streams/%20bad', 400],
      ['/api/nothing', 404],
    ] as const) {
      const response = await fetch(`${base}${path}`, { headers: auth });
      expect(response.status, path).toBe(status);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      expect(
        ((await response.json()) as { error: { message: string } }).error.message.length,
      ).toBeGreaterThan(0);
    }
    const unauthorised = await fetch(`${base}/api/streams`);
    expect(unauthorised.status).toBe(401);
    expect(await unauthorised.json()).toMatchObject({ error: { code: 'auth/unauthorized' } });
    expect(
      (await fetch(`${base}/api/streams`, { headers: { authorization: 'Bearer wrong' } })).status,
    ).toBe(401);
    // Probes stay open for Kubernetes on both ports; metrics are on the ops port only.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const ops = `http://127.0.0.1:${gateway.metricsPort}`;
    expect((await fetch(`${ops}/healthz`)).status).toBe(200);
    expect((await fetch(`${ops}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${ops}/metrics`)).text()).toMatch(
      /ei_gateway_ws_clients\{service="gateway"\}/,
    );
    const notHere = await fetch(`${base}/metrics`);
    expect(notHere.status).toBe(404);
    expect(((await notHere.json()) as { error: { message: string } }).error.message).toMatch(
      /ops port/,
    );
  });

  it('hosts the dashboard: long cache for assets, SPA fallback, a CSP without unsafe-eval', async () => {
    const asset = await fetch(`${base}/assets/app-1234.js`);
    expect(asset.headers.get('cache-control')).toMatch(/max-age=31536000.*immutable/);
    const deep = await fetch(`${base}/streams/cam-1`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('id="app"');
    expect(deep.headers.get('cache-control')).toBe('no-cache');
    const csp = deep.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    // Served over plain http on any address, the assets must not be upgraded to https.
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(deep.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('gateway websocket relay', () => {
  it('sends a stream’s frames in order, one binary message each with metadata and the JPEG', async () => {
    const single = await openWs('/ws/streams/cam-a');
    const multi = await openWs('/ws');
    multi.ws.send(JSON.stringify({ op: 'subscribe', streams: ['cam-b'] }));
    await until(() => multi.texts.some((t) => (t as { type: string }).type === 'subscribed'));
    for (let seq = 0; seq < 30; seq++) {
      await bus().publish(sampleResult('cam-a', seq), sampleJpeg());
      await bus().publish(sampleResult('cam-b', seq), sampleJpeg());
    }
    await until(() => single.frames.length === 30 && multi.frames.length === 30);
    expect(single.frames.map((f) => f.seq)).toEqual([...Array(30).keys()]);
    expect(
      single.frames.every((f) => f.streamId === 'cam-a' && f.detections[0]?.label === 'person'),
    ).toBe(true);
    expect(multi.frames.every((f) => f.streamId === 'cam-b')).toBe(true);
    multi.ws.send('not json');
    await until(() => multi.texts.some((t) => (t as { code?: string }).code === 'ws/bad-json'));
    single.ws.close();
    multi.ws.close();
  });

  it('a client that never reads skips frames within the bound while a reading client gets every frame', async () => {
    const slow = await openWs('/ws/streams/flood');
    const fast = await openWs('/ws/streams/flood');
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const skippedBefore = await metricValue('ei_gateway_ws_frames_skipped_total');
    const frames = 400; // 400 × 56 KB = 22 MB, far beyond the 512 KB bound and the socket buffers
    for (let seq = 0; seq < frames; seq++)
      await bus().publish(sampleResult('flood', seq), sampleJpeg());
    await until(() => fast.frames.length === frames, 30_000);
    expect(fast.frames.map((f) => f.seq)).toEqual([...Array(frames).keys()]);
    const skipped = (await metricValue('ei_gateway_ws_frames_skipped_total')) - skippedBefore;
    expect(skipped).toBeGreaterThan(frames / 2);
    slow.ws.terminate();
    fast.ws.close();
  });

  it('serves 200 clients at once and refuses connections beyond the limit', async () => {
    const clients = await Promise.all(
      Array.from({ length: 200 }, () => openWs('/ws/streams/crowd')),
    );
    await bus().publish(sampleResult('crowd', 1), sampleJpeg());
    await until(() => clients.every((c) => c.frames.length === 1));
    const extra = await Promise.allSettled(
      Array.from({ length: 60 }, () => openWs('/ws/streams/crowd')),
    );
    expect(extra.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
    for (const c of clients) c.ws.close();
    for (const r of extra) if (r.status === 'fulfilled') r.value.ws.close();
    await until(() => gateway.relay.clientCount === 0);
  });

  it('refuses a websocket without the token, and unknown websocket paths', async () => {
    const refused = (url: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        ws.on('error', () => undefined);
      });
    expect(await refused(`ws://127.0.0.1:${gateway.port}/ws`)).toBe(401);
    expect(await refused(`ws://127.0.0.1:${gateway.port}/elsewhere?token=${TOKEN}`)).toBe(404);
  });

  it('Redis restarted: the gateway reconnects and streams resume', async () => {
    const client = await openWs('/ws/streams/phoenix');
    await bus().publish(sampleResult('phoenix', 1), sampleJpeg());
    await until(() => client.frames.length === 1);
    await server.restart({ downMs: 300 });
    await until(async () => (await fetch(`${base}/readyz`)).status === 200);
    await until(async () => {
      await bus()
        .publish(sampleResult('phoenix', 2), sampleJpeg())
        .catch(() => 0);
      return client.frames.some((f) => f.seq === 2);
    });
    const streams = await fetch(`${base}/api/streams`, { headers: auth });
    expect(streams.status).toBe(200);
    client.ws.close();
  });
});

function metricValue(name: string): Promise<number> {
  return metricOf(`http://127.0.0.1:${gateway.metricsPort}/metrics`, name);
}
