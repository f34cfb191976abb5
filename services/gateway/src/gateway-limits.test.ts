/**
 * Each limit and guard of the gateway against a real one (real Redis, real sockets):
 * stream ids per websocket client, control message rate, replies under the send-buffer
 * bound, clients per IP address, Origin without a token, the Bearer scheme in any case,
 * error answers without server paths, and upgrades whose target does not parse. The
 * gateways run in this process, so an exception escaping a listener would fail the run.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, parseConfig, ResultBus, waitUntilReady, type Redis } from '@ei/core';
import {
  type PrivateRedis,
  sampleJpeg,
  startPrivateRedis,
  waitFor,
  sampleResult,
} from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type GatewayOptions, type RunningGateway } from './gateway-server.js';
import {
  metricValue,
  openSocket,
  parseRawResponse,
  rawExchange,
  refusedUpgrade,
} from './testing/gateway-clients.js';

const TOKEN = 'limits-token';
const auth = { authorization: `Bearer ${TOKEN}` };
let server: PrivateRedis;
let redis: Redis;
let dashboardDir: string;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  server = await startPrivateRedis();
  redis = createRedis({ url: server.url });
  redis.on('error', () => undefined);
  await waitUntilReady(redis);
  dashboardDir = await mkdtemp(join(tmpdir(), 'ei-dash-limits-'));
  await mkdir(join(dashboardDir, 'assets'));
  await writeFile(join(dashboardDir, 'index.html'), '<!doctype html><div id="app"></div>');
});
afterAll(async () => {
  for (const gateway of gateways) await gateway.close();
  redis?.disconnect();
  await server?.stop();
  if (dashboardDir) await rm(dashboardDir, { recursive: true, force: true });
});

async function gateway(options: Partial<GatewayOptions> = {}): Promise<RunningGateway> {
  const started = await startGateway({
    config: parseConfig({ redis: { url: server.url }, log: { level: 'fatal' } }, { env: {} }),
    port: 0,
    host: '127.0.0.1',
    metricsPort: 0,
    dashboardDir,
    ...options,
  });
  gateways.push(started);
  await until('readiness', async () => (await fetch(`http://127.0.0.1:${started.port}/readyz`)).ok);
  return started;
}

const wsUrl = (g: RunningGateway, path: string): string => `ws://127.0.0.1:${g.port}${path}`;
const metricsUrl = (g: RunningGateway): string => `http://127.0.0.1:${g.metricsPort}/metrics`;
const until = (what: string, check: () => boolean | Promise<boolean>): Promise<boolean> =>
  waitFor(what, check, 15_000, 10);
const texts = (socket: { texts: unknown[] }): { type: string; streams?: unknown }[] =>
  socket.texts as { type: string; streams?: unknown }[];

describe('websocket limits', () => {
  it('answers subscribe and unsubscribe with the change only, and closes a client over the stream-id cap with 1008, counted', async () => {
    const g = await gateway({ apiToken: TOKEN, maxWsSubscriptions: 4 });
    const client = await openSocket(wsUrl(g, '/ws'), { headers: auth });
    const send = async (message: unknown, answers: number): Promise<void> => {
      client.ws.send(JSON.stringify(message));
      await until('the answer', () => client.texts.length === answers);
    };
    await send({ op: 'subscribe', streams: ['a', 'b', 'c'] }, 2);
    await send({ op: 'subscribe', streams: ['c', 'd', 'd'] }, 3);
    await send({ op: 'unsubscribe', streams: ['a', 'not-watched'] }, 4);
    expect(texts(client).slice(1)).toEqual([
      { type: 'subscribed', streams: ['a', 'b', 'c'] },
      { type: 'subscribed', streams: ['d'] },
      { type: 'unsubscribed', streams: ['a'] },
    ]);
    // b, c, d watched: two more make five, over the cap of four.
    client.ws.send(JSON.stringify({ op: 'subscribe', streams: ['e', 'f'] }));
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/too many stream ids \(at most 4/);
    expect(
      await metricValue(metricsUrl(g), 'ei_gateway_ws_closed_total', { reason: 'subscriptions' }),
    ).toBe(1);
    // "*" watches everything and counts as one.
    const all = await openSocket(wsUrl(g, '/ws'), { headers: auth });
    all.ws.send(JSON.stringify({ op: 'subscribe', streams: '*' }));
    await until('the answer', () => all.texts.length === 2);
    expect(all.texts[1]).toEqual({ type: 'subscribed', streams: '*' });
    all.ws.close();
  });

  it('closes a client that floods control messages with 1008, counted', async () => {
    const g = await gateway({ apiToken: TOKEN });
    const client = await openSocket(wsUrl(g, '/ws'), { headers: auth });
    for (let i = 0; i < 100; i++) client.ws.send(JSON.stringify({ op: 'subscribe', streams: [] }));
    const closed = await client.closed;
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/too many control messages/);
    // The burst was answered, the rest not.
    expect(client.texts.length).toBeGreaterThan(1);
    expect(client.texts.length).toBeLessThan(100);
    expect(
      await metricValue(metricsUrl(g), 'ei_gateway_ws_closed_total', { reason: 'message-rate' }),
    ).toBe(1);
  });

  it('skips answers to a client whose unsent bytes are over the bound, like frames', async () => {
    const g = await gateway({ apiToken: TOKEN, maxWsBufferedBytes: 64 * 1024 });
    const reader = await openSocket(wsUrl(g, '/ws/streams/full'), { headers: auth });
    // The client stops reading: the kernel's buffers fill, then the gateway's.
    (reader.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const bus = new ResultBus({ redis });
    for (let seq = 0; seq < 400; seq++) await bus.publish(sampleResult('full', seq), sampleJpeg());
    await until(
      'frames skipped',
      async () => (await metricValue(metricsUrl(g), 'ei_gateway_ws_frames_skipped_total')) > 0,
    );
    for (let i = 0; i < 10; i++) reader.ws.send(JSON.stringify({ op: 'unsubscribe', streams: [] }));
    await until(
      'answers skipped',
      async () => (await metricValue(metricsUrl(g), 'ei_gateway_ws_replies_skipped_total')) === 10,
    );
    reader.ws.terminate();
  });

  it('refuses more clients from one IP address than the per-IP cap with 429, while another address still connects', async () => {
    const g = await gateway({ apiToken: TOKEN, maxWsClientsPerIp: 3, maxWsClients: 10 });
    const url = wsUrl(g, '/ws');
    const first = await Promise.all([1, 2, 3].map(() => openSocket(url, { headers: auth })));
    const refused = await refusedUpgrade(url, { headers: auth });
    expect(refused).toEqual({
      status: 429,
      body: {
        error: {
          code: 'ws/too-many-clients-per-ip',
          message: 'too many websocket clients from this address (at most 3)',
        },
      },
    });
    // 127.0.0.2 is this machine too, but another address to the gateway.
    const other = await openSocket(url, { headers: auth, localAddress: '127.0.0.2' });
    expect(g.relay.clientCount).toBe(4);
    first[0]!.ws.close();
    await until('the slot freed', () => g.relay.clientCount === 3);
    const again = await openSocket(url, { headers: auth });
    expect(
      await metricValue(metricsUrl(g), 'ei_gateway_ws_refused_total', { reason: 'clients-per-ip' }),
    ).toBe(1);
    for (const socket of [...first, other, again]) socket.ws.close();
  });
});

describe('authentication and Origin', () => {
  it('takes the Bearer scheme in any case, and nothing else', async () => {
    const g = await gateway({ apiToken: TOKEN });
    const api = `http://127.0.0.1:${g.port}/api/streams`;
    for (const header of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer \t ${TOKEN} `]) {
      expect((await fetch(api, { headers: { authorization: header } })).status, header).toBe(200);
      const socket = await openSocket(wsUrl(g, '/ws'), { headers: { authorization: header } });
      socket.ws.close();
    }
    for (const header of [`Basic ${TOKEN}`, `Bearer${TOKEN}`, `Bearer ${TOKEN}x`, 'Bearer ']) {
      expect((await fetch(api, { headers: { authorization: header } })).status, header).toBe(401);
      const refused = await refusedUpgrade(wsUrl(g, '/ws'), {
        headers: { authorization: header },
      });
      expect(refused.status, header).toBe(401);
    }
  });

  it('refuses to start without a token unless told to serve insecure, and not with both', async () => {
    await expect(gateway()).rejects.toThrow(/--token .*EI_API_TOKEN.*--insecure/);
    await expect(gateway({ apiToken: TOKEN, insecure: true })).rejects.toThrow(/one of them/);
    await expect(gateway({ insecure: true, allowedOrigins: ['ftp://x'] })).rejects.toThrow(
      /not an origin/,
    );
  });

  it('without a token, opens websockets only for allowed origins (or none sent), counted', async () => {
    const g = await gateway({ insecure: true, allowedOrigins: ['http://Dashboard.example:8080/'] });
    expect((await fetch(`http://127.0.0.1:${g.port}/api/streams`)).status).toBe(200);
    const refused = await refusedUpgrade(wsUrl(g, '/ws'), { origin: 'http://evil.example' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'ws/403' } });
    const allowed = await openSocket(wsUrl(g, '/ws'), { origin: 'http://dashboard.example:8080' });
    const noOrigin = await openSocket(wsUrl(g, '/ws'));
    expect(
      await metricValue(metricsUrl(g), 'ei_gateway_ws_refused_total', { reason: 'origin' }),
    ).toBe(1);
    allowed.ws.close();
    noOrigin.ws.close();

    // By default only pages the gateway served itself.
    const own = await gateway({ insecure: true });
    const self = `http://127.0.0.1:${own.port}`;
    const same = await openSocket(wsUrl(own, '/ws'), { origin: self });
    same.ws.close();
    expect(
      (await refusedUpgrade(wsUrl(own, '/ws'), { origin: 'http://evil.example' })).status,
    ).toBe(403);
    // With a token, the token decides: a page that has it may be anywhere.
    const withToken = await gateway({ apiToken: TOKEN });
    const anywhere = await openSocket(wsUrl(withToken, `/ws?token=${TOKEN}`), {
      origin: 'http://elsewhere.example',
    });
    anywhere.ws.close();
  });
});

describe('malformed input', () => {
  it('answers errors in JSON without server paths or stack traces', async () => {
    const g = await gateway({ apiToken: TOKEN });
    const base = `http://127.0.0.1:${g.port}`;
    for (const [path, status] of [
      ['/assets/x.js', 404],
      ['/assets/%E0%A4%A', 404],
      ['/assets/..%2f..%2f..%2fetc%2fpasswd', 404],
      ['/api/streams/%E0%A4%A', 400],
      ['/metrics', 404],
      ['/ws', 404],
    ] as const) {
      const response = await fetch(`${base}${path}`, { headers: auth });
      const text = await response.text();
      expect(response.status, path).toBe(status);
      expect(response.headers.get('content-type'), path).toMatch(/^application\/json/);
      expect(text, path).not.toContain(dashboardDir);
      expect(text, path).not.toMatch(/ENOENT|\s+at \S+ \(|\/tmp\/|\/work\/|node_modules/);
      expect(JSON.parse(text), path).toMatchObject({ error: { code: expect.any(String) } });
    }
  });

  it('answers requests node cannot parse with a JSON 4xx and closes them', async () => {
    const g = await gateway({ apiToken: TOKEN });
    const cases: [request: string, status: number, code: string][] = [
      ['GET /a b c HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'request/malformed'],
      // A target express's router cannot place (found by the hostile suite).
      ['GET //#@?%20= HTTP/1.1\r\nHost: x\r\n\r\n', 404, 'route/not-found'],
      ['GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n', 400, 'request/malformed'],
      ['\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n', 400, 'request/malformed'],
      [
        `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
        431,
        'request/headers-too-large',
      ],
    ];
    for (const [request, status, code] of cases) {
      const answer = parseRawResponse(await rawExchange(g.port, request));
      expect(answer, JSON.stringify(request.slice(0, 40))).toEqual({
        status,
        body: { error: { code, message: expect.any(String) } },
      });
    }
  });

  it('answers websocket upgrades whose target does not parse with a JSON 4xx, and keeps serving', async () => {
    const g = await gateway({ apiToken: TOKEN });
    const upgrade = (target: string, extra = ''): string =>
      `GET ${target} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${TOKEN}\r\n${extra}\r\n`;
    for (const [target, status] of [
      ['//', 404],
      ['/ws/streams/%E0%A4%A', 400],
      ['/ws/streams/%', 400],
      ['/ws/streams/bad%20id', 400],
      ['*', 400],
      ['http://gateway/ws', 400],
      ['/ws?token=%E0%A4%A', 101],
    ] as const) {
      const answer = await rawExchange(g.port, upgrade(target), 300);
      expect(Number(answer.slice(9, 12)), target).toBe(status);
      if (status !== 101) expect(parseRawResponse(answer).body, target).toBeDefined();
    }
    // Without a token, a bad token in the query must not throw either.
    const noAuth = await rawExchange(
      g.port,
      upgrade('/ws/streams/%E0%A4%A?token=%E0%A4%A').replace(/Authorization: [^\r]+\r\n/, ''),
    );
    expect(parseRawResponse(noAuth).status).toBe(401);
    // A client that resets the connection right after its upgrade request.
    for (let i = 0; i < 20; i++) {
      const socket = connect(g.port, '127.0.0.1', () => {
        socket.write(upgrade('/elsewhere'));
        socket.resetAndDestroy();
      });
      socket.on('error', () => undefined);
    }
    expect((await fetch(`http://127.0.0.1:${g.port}/healthz`)).status).toBe(200);
    expect(
      await metricValue(metricsUrl(g), 'ei_gateway_ws_refused_total', { reason: 'malformed' }),
    ).toBe(2);
  });
});
