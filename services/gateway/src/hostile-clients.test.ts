/**
 * Hostile clients against a real `ei gateway` process (its own Node, the shipped limits,
 * a private Redis with real streams and results), generated with fast-check: HTTP
 * requests with malformed targets, percent-encodings, tokens and huge or deeply nested
 * JSON bodies over keep-alive connections; raw bytes that are barely HTTP; websocket
 * upgrades with every part wrong in turn; websocket sessions that send bad JSON, bad
 * UTF-8, oversized messages and subscribe floods; and, all the while, paused and slow
 * websocket readers under a flood of results. Every answer must be a 4xx (or a success
 * the request deserved), in JSON, without a server path or a stack trace; nothing without
 * the token may read data or open a websocket. Afterwards the process still answers, its
 * last-resort fault handler never ran, and its resident memory stayed under the bound.
 */
import { Agent, request as httpRequest } from 'node:http';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, ResultBus, StreamRegistry, waitUntilReady, type Redis } from '@ei/core';
import {
  cpuSeconds,
  isAlive,
  rssMB,
  sampleJpeg,
  startPrivateRedis,
  waitFor,
  type PrivateRedis,
  sampleResult,
} from '@ei/core/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { GATEWAY_DEFAULTS } from './gateway-defaults.js';
import { ERROR_CODES } from './routes/api-schemas.js';
import { metricValue, openSocket, type OpenSocket } from './testing/gateway-clients.js';
import { startGatewayProcess, type GatewayProcess } from './testing/gateway-process.js';
import {
  controlMessage,
  httpCase,
  rawRequest,
  upgradeBytes,
  upgradeCase,
  type ControlMessage,
  type HttpCase,
  type RawRequest,
  type UpgradeCase,
} from './testing/hostile-inputs.js';
import { clientMessageSchema, serverMessageSchema } from './ws/ws-messages.js';

const TOKEN = 'hostile-suite-token';
/** Paused websocket readers subscribed to every stream while results flood in. */
const PAUSED_READERS = 20;
const SLOW_READERS = 4;
/** Frames of 56 KB that pass a paused reader's 2 MiB bound and its socket buffers. */
const FILL_FRAMES = 150;
/** In all: the fill, then one every 50 ms while the run lasts (its CPU bounded too). */
const FLOOD_FRAMES = 400;
/**
 * The RSS bound: the process at rest, plus the most a paused reader may cost (the send
 * buffer bound, `--max-buffered-bytes`, and one frame over it) for each reader, plus
 * 150 MB for everything else (V8's young generation and garbage between collections,
 * requests in flight, socket buffers). Measured: see the log line of the test.
 */
const RSS_MARGIN_MB = 150;
const FRAME_MB = 0.06;
/** Addresses of this machine, so each kind of client has its own per-IP allowance. */
const READERS_ADDRESS = '127.0.0.2';
const SESSIONS_ADDRESS = '127.0.0.3';
/** Any of these in an answer is a server path, an errno message or a stack trace. */
const LEAK =
  /ENOENT|EACCES|EISDIR|\/work\/|\/home\/|\/tmp\/|node_modules|\bat \S+ \(|\.[jt]s:\d+:\d+/;
const KNOWN_CODES = new Set<string>(ERROR_CODES);
/** `FC_SEED=<seed>` generates a failed run's inputs again (fast-check prints the seed). */
const RUNS = { seed: Number(process.env.FC_SEED) || undefined };

let redis: PrivateRedis;
let client: Redis;
let dashboardDir: string;
let gateway: GatewayProcess;
let restingRssMB = 0;

beforeAll(async () => {
  redis = await startPrivateRedis();
  client = createRedis({ url: redis.url });
  client.on('error', () => undefined);
  await waitUntilReady(client);
  // Data behind the token, so that reading it without the token would show.
  await new StreamRegistry({ redis: client, ttlMs: 600_000 }).announce({
    id: 'cam-1',
    type: 'people',
    source: 'rtsp://admin:secret@10.0.0.5/stream1',
    state: 'live',
    host: 'edge-1',
  });
  for (let seq = 0; seq < 5; seq++)
    await new ResultBus({ redis: client }).publish(sampleResult('cam-1', seq), sampleJpeg());
  dashboardDir = await mkdtemp(join(tmpdir(), 'ei-dash-hostile-'));
  await mkdir(join(dashboardDir, 'assets'));
  await writeFile(join(dashboardDir, 'index.html'), '<!doctype html><div id="app"></div>');
  await writeFile(join(dashboardDir, 'assets', 'app-1234.js'), 'console.log(1)');
  gateway = await startGatewayProcess({
    redisUrl: redis.url,
    args: ['--dashboard-dir', dashboardDir],
    // The token from the environment, as a Kubernetes Secret gives it.
    env: { EI_API_TOKEN: TOKEN, LOG_LEVEL: 'warn' },
  });
  await waitFor(
    'readiness',
    async () => (await fetch(`http://127.0.0.1:${gateway.port}/readyz`)).ok,
    20_000,
    50,
  );
  restingRssMB = rssMB(gateway.pid);
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  client?.disconnect();
  await redis?.stop();
  if (dashboardDir) await rm(dashboardDir, { recursive: true, force: true });
});

let sent = 0;

// ---------------------------------------------------------------- HTTP over keep-alive

const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const bearer = new RegExp(`^bearer[ \\t]+${TOKEN}$`, 'i');

interface Answer {
  status: number;
  type: string;
  body: string;
}

function httpCall(c: HttpCase): Promise<Answer | Error> {
  sent += 1;
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    if (c.authorization !== undefined) headers.authorization = c.authorization;
    if (c.origin !== undefined) headers.origin = c.origin;
    if (c.range !== undefined) headers.range = c.range;
    if (c.bigHeader) headers['x-padding'] = 'p'.repeat(20_000);
    if (c.body !== undefined) {
      headers['content-type'] = 'application/json';
      // node frames a GET's or HEAD's body only when told its length.
      headers['content-length'] = String(Buffer.byteLength(c.body));
    }
    const req = httpRequest(
      { agent, host: '127.0.0.1', port: gateway.port, method: c.method, path: c.path, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            type: response.headers['content-type'] ?? '',
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        response.on('error', resolve);
      },
    );
    req.on('error', resolve);
    req.end(c.body);
  });
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${what}: the body is not JSON`);
  }
}

function checkHttp(c: HttpCase, answer: Answer | Error): void {
  const what = `${c.method} ${c.path.slice(0, 120)} auth:${c.authorization?.slice(0, 30)} range:${c.range} big:${c.bigHeader} body:${c.body?.slice(0, 30)} → ${answer instanceof Error ? answer.message : `${answer.status} ${answer.body.slice(0, 200)}`}`;
  if (answer instanceof Error) {
    // Only a request over the header limit is cut while it is still being written.
    expect(
      c.bigHeader || (c.authorization?.length ?? 0) > 8_000,
      `${what}: ${answer.message}`,
    ).toBe(true);
    return;
  }
  expect(answer.status, what).toBeLessThan(500);
  expect(answer.body, what).not.toMatch(LEAK);
  if (answer.status >= 400 && c.method !== 'HEAD') {
    expect(answer.type, what).toMatch(/^application\/json/);
    const body = parseJson(answer.body, what) as { error: { code: string; message: string } };
    expect(KNOWN_CODES.has(body.error.code), `${what}: ${body.error.code}`).toBe(true);
    expect(body.error.message.length, what).toBeGreaterThan(0);
  }
  // Without the token, the only JSON that answers 200 is a probe's.
  const tokenGiven = c.authorization !== undefined && bearer.test(c.authorization);
  const json = answer.type.startsWith('application/json');
  if (!tokenGiven && answer.status === 200 && json && c.method !== 'HEAD') {
    expect(parseJson(answer.body, what), what).toHaveProperty('status');
    expect(answer.body, what).not.toMatch(/cam-1|streams|detections/);
  }
}

// ---------------------------------------------------------------- raw sockets

/**
 * Writes `bytes` on a fresh connection (from `localAddress`) and resolves with what came
 * back: once a whole response is there (a 101, or a head and its Content-Length of body),
 * or the server closed the connection, or nothing more came for `quietMs` after the first
 * bytes, or nothing came at all for `firstByteMs` (a request the server still waits to see
 * complete).
 */
function exchange(
  bytes: Buffer,
  { firstByteMs, quietMs = 100, localAddress = '127.0.0.1' }: ExchangeTimes,
): Promise<string> {
  sent += 1;
  return new Promise((resolve) => {
    const socket = connect({ port: gateway.port, host: '127.0.0.1', localAddress });
    let received = '';
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(received);
    };
    let timer = setTimeout(done, firstByteMs);
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      clearTimeout(timer);
      if (wholeResponse(received)) done();
      else timer = setTimeout(done, quietMs);
    });
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes);
  });
}

/** True when `text` holds a whole final response (after any 100 Continue). */
function wholeResponse(text: string): boolean {
  let at = 0;
  for (;;) {
    const end = text.indexOf('\r\n\r\n', at);
    if (end === -1) return false;
    const head = text.slice(at, end);
    if (head.startsWith('HTTP/1.1 101 ')) return true;
    if (head.startsWith('HTTP/1.1 100 ')) {
      at = end + 4;
      continue;
    }
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    return length !== null && text.length >= end + 4 + Number(length[1]);
  }
}

interface ExchangeTimes {
  firstByteMs: number;
  quietMs?: number;
  localAddress?: string;
}

function statuses(answer: string): number[] {
  return [...answer.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => Number(m[1]));
}

function checkRaw({ bytes, complete }: RawRequest, answer: string): void {
  const what = JSON.stringify(bytes.subarray(0, 80).toString('latin1'));
  expect(answer, what).not.toMatch(LEAK);
  // A request whose head stops halfway may wait for the server's header timeout.
  if (!complete && answer.length === 0) return;
  expect(answer.length, what).toBeGreaterThan(0);
  expect(answer.startsWith('HTTP/1.1 '), `${what} → ${answer.slice(0, 80)}`).toBe(true);
  for (const status of statuses(answer)) expect(status, what).toBeLessThan(500);
}

function upgradeTarget(c: UpgradeCase): boolean {
  const path = c.target.split('?')[0]!;
  if (path === '/ws') return true;
  const id = /^\/ws\/streams\/([^/]+)$/.exec(path)?.[1];
  if (id === undefined) return false;
  try {
    return /^[A-Za-z0-9_.:-]{1,128}$/.test(decodeURIComponent(id));
  } catch {
    return false;
  }
}

function checkUpgrade(c: UpgradeCase, answer: string): void {
  const what = `${c.method} ${c.target} token:${c.tokenIn} upgrade:${c.upgrade} key:${c.key} v${c.version}`;
  expect(answer.length, what).toBeGreaterThan(0);
  expect(answer, what).not.toMatch(LEAK);
  const [status] = statuses(answer);
  expect(status, `${what} → ${answer.slice(0, 60)}`).toBeDefined();
  expect(status!, what).toBeLessThan(500);
  const upgrading = c.upgrade !== '';
  const tokenGiven = c.tokenIn === 'header' || c.tokenIn === 'query';
  if (upgrading && !tokenGiven) {
    // The token is checked first, whatever else is wrong; only a head over 16 KiB or a
    // target that is not a path at all is refused before.
    const overLimit = upgradeBytes(c, TOKEN).length - c.trailing.length > 16 * 1024;
    expect(overLimit ? [431] : [400, 401], what).toContain(status);
    if (status === 400) expect(c.target.startsWith('/'), what).toBe(false);
  }
  if (status === 101) {
    expect(tokenGiven && upgradeTarget(c), what).toBe(true);
  } else if (upgrading && c.key === 'dGhlIHNhbXBsZSBub25jZQ==' && answer.includes('json')) {
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
      error: { code: string };
    };
    expect(KNOWN_CODES.has(body.error.code), what).toBe(true);
  }
}

// ---------------------------------------------------------------- websocket sessions

const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * The close code the first message over a limit earns, or undefined if none does: a model
 * of the relay's rules (64 KiB a message, UTF-8 text, at most 256 stream ids, "*" for all).
 */
function expectedClose(messages: ControlMessage[]): number | undefined {
  let all = false;
  const watched = new Set<string>();
  for (const m of messages) {
    if (m.kind === 'bad-utf8') return 1007;
    if (Buffer.byteLength(m.data) > MAX_MESSAGE_BYTES) return 1009;
    if (m.kind !== 'text') continue;
    let json: unknown;
    try {
      json = JSON.parse(m.data);
    } catch {
      continue;
    }
    const parsed = clientMessageSchema.safeParse(json);
    if (!parsed.success) continue;
    const { op, streams } = parsed.data;
    if (streams === '*') {
      all = op === 'subscribe';
      watched.clear();
    } else if (op === 'unsubscribe') {
      for (const id of streams) watched.delete(id);
    } else if (!all) {
      for (const id of streams) watched.add(id);
      if (watched.size > GATEWAY_DEFAULTS.maxWsSubscriptions) return 1008;
    }
  }
  return undefined;
}

function preview(m: ControlMessage): string {
  return `${m.kind}:${typeof m.data === 'string' ? m.data.slice(0, 40) : m.data.subarray(0, 20).toString('hex')}`;
}

async function session(messages: ControlMessage[]): Promise<void> {
  sent += 1;
  const socket: OpenSocket = await openSocket(`ws://127.0.0.1:${gateway.port}/ws`, {
    headers: { authorization: `Bearer ${TOKEN}` },
    localAddress: SESSIONS_ADDRESS,
  });
  let closed: { code: number } | undefined;
  void socket.closed.then((c) => (closed = c));
  for (const m of messages) {
    if (socket.ws.readyState !== WebSocket.OPEN) break;
    socket.ws.send(m.data, { binary: m.kind === 'binary' });
  }
  const expected = expectedClose(messages);
  const what = messages.map(preview).join(' | ');
  if (expected !== undefined) {
    expect((await socket.closed).code, what).toBe(expected);
  } else {
    // Every message answered (the hello first), and the connection still open.
    await waitFor(
      'every answer',
      () => socket.texts.length === messages.length + 1 || closed !== undefined,
      10_000,
      5,
    );
    expect(closed, what).toBeUndefined();
    socket.ws.close();
  }
  for (const text of socket.texts)
    expect(serverMessageSchema.safeParse(text).success, what).toBe(true);
}

// ---------------------------------------------------------------- paused and slow readers

async function readers(): Promise<OpenSocket[]> {
  const url = `ws://127.0.0.1:${gateway.port}/ws`;
  const opened = await Promise.all(
    Array.from({ length: PAUSED_READERS + SLOW_READERS }, () =>
      openSocket(url, {
        headers: { authorization: `Bearer ${TOKEN}` },
        localAddress: READERS_ADDRESS,
      }),
    ),
  );
  for (const reader of opened) reader.ws.send(JSON.stringify({ op: 'subscribe', streams: '*' }));
  opened.forEach((reader, i) => {
    const raw = (reader.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    raw.pause();
    // The slow ones read a little now and then.
    if (i >= PAUSED_READERS) {
      const timer = setInterval(() => {
        raw.resume();
        setTimeout(() => raw.pause(), 5);
      }, 200);
      reader.ws.once('close', () => clearInterval(timer));
    }
  });
  return opened;
}

function flood(): { stop(): Promise<number> } {
  const bus = new ResultBus({ redis: client });
  const jpeg = sampleJpeg();
  let running = true;
  let published = 0;
  const loop = (async () => {
    while (running && published < FLOOD_FRAMES) {
      await bus.publish(sampleResult(`flood-${published % 8}`, published), jpeg);
      published += 1;
      // Enough at first to fill every paused reader's buffers, then a steady trickle.
      await new Promise((resolve) => setTimeout(resolve, published < FILL_FRAMES ? 0 : 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return published;
    },
  };
}

// ---------------------------------------------------------------- the run

it('survives 10,000 generated hostile requests and upgrades, answering each with a 4xx in JSON, and keeps its memory bounded', async () => {
  let maxRssMB = restingRssMB;
  const sampler = setInterval(() => (maxRssMB = Math.max(maxRssMB, rssMB(gateway.pid))), 50);
  const slowReaders = await readers();
  const results = flood();
  const started = performance.now();
  const cpuBefore = { suite: process.cpuUsage(), gateway: cpuSeconds(gateway.pid) };
  let published = 0;
  const durations: string[] = [];
  try {
    const timed = async (name: string, run: Promise<void>): Promise<void> => {
      await run;
      durations.push(`${name} ${((performance.now() - started) / 1000).toFixed(1)} s`);
    };
    await Promise.all([
      timed(
        'http',
        fc.assert(
          fc.asyncProperty(
            fc.array(httpCase(TOKEN), { minLength: 16, maxLength: 16 }),
            async (batch) => {
              const answers = await Promise.all(batch.map(httpCall));
              batch.forEach((c, i) => checkHttp(c, answers[i]!));
            },
          ),
          { ...RUNS, numRuns: 275 },
        ),
      ),
      timed(
        'raw',
        fc.assert(
          fc.asyncProperty(
            fc.array(rawRequest, { minLength: 32, maxLength: 32 }),
            async (batch) => {
              const answers = await Promise.all(
                batch.map((r) => exchange(r.bytes, { firstByteMs: r.complete ? 10_000 : 50 })),
              );
              batch.forEach((r, i) => checkRaw(r, answers[i]!));
            },
          ),
          { ...RUNS, numRuns: 75 },
        ),
      ),
      timed(
        'upgrades',
        fc.assert(
          fc.asyncProperty(
            fc.array(upgradeCase, { minLength: 32, maxLength: 32 }),
            async (batch) => {
              const answers = await Promise.all(
                batch.map((c) => exchange(upgradeBytes(c, TOKEN), { firstByteMs: 10_000 })),
              );
              batch.forEach((c, i) => checkUpgrade(c, answers[i]!));
            },
          ),
          { ...RUNS, numRuns: 110 },
        ),
      ),
      timed(
        'sessions',
        fc.assert(
          fc.asyncProperty(
            fc.array(fc.array(controlMessage, { minLength: 1, maxLength: 10 }), {
              minLength: 8,
              maxLength: 8,
            }),
            async (batch) => {
              await Promise.all(batch.map(session));
            },
          ),
          { ...RUNS, numRuns: 40 },
        ),
      ),
    ]);
  } finally {
    clearInterval(sampler);
    published = await results.stop();
    for (const reader of slowReaders) reader.ws.terminate();
  }
  const seconds = (performance.now() - started) / 1000;
  const suiteCpu = process.cpuUsage(cpuBefore.suite);
  const cpu = {
    suite: (suiteCpu.user + suiteCpu.system) / 1e6,
    gateway: cpuSeconds(gateway.pid) - cpuBefore.gateway,
  };

  const base = `http://127.0.0.1:${gateway.port}`;
  const metrics = `http://127.0.0.1:${gateway.metricsPort}/metrics`;
  const boundMB =
    restingRssMB +
    (PAUSED_READERS + SLOW_READERS) * (GATEWAY_DEFAULTS.maxWsBufferedBytes / 2 ** 20 + FRAME_MB) +
    RSS_MARGIN_MB;
  console.log(
    `hostile clients: ${sent} requests, upgrades and sessions in ${seconds.toFixed(1)} s, ` +
      `${published} results published to ${slowReaders.length} paused or slow readers; ` +
      `gateway RSS ${restingRssMB.toFixed(0)} MB at rest, at most ${maxRssMB.toFixed(0)} MB ` +
      `(bound ${boundMB.toFixed(0)} MB); CPU: suite ${cpu.suite.toFixed(1)} s, gateway ` +
      `${cpu.gateway.toFixed(1)} s; done: ${durations.join(', ')}`,
  );
  expect(sent).toBeGreaterThanOrEqual(10_000);
  expect(isAlive(gateway.pid)).toBe(true);
  expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
  expect(
    (await fetch(`${base}/api/streams`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
  ).toBe(200);
  expect(maxRssMB).toBeLessThan(boundMB);
  // Nothing reached the last-resort handler: every fault was a guarded answer.
  expect(await metricValue(metrics, 'ei_errors_total', { kind: 'internal' })).toBe(0);
  expect(gateway.output()).not.toMatch(/uncaught exception|unhandled promise rejection/);
  // The limits were met, and counted.
  for (const reason of ['malformed', 'path', 'stream-id', 'token'])
    expect(
      await metricValue(metrics, 'ei_gateway_ws_refused_total', { reason }),
      reason,
    ).toBeGreaterThan(0);
  for (const reason of ['subscriptions', 'protocol'])
    expect(
      await metricValue(metrics, 'ei_gateway_ws_closed_total', { reason }),
      reason,
    ).toBeGreaterThan(0);
  expect(await metricValue(metrics, 'ei_gateway_ws_frames_skipped_total')).toBeGreaterThan(0);
}, 180_000);
