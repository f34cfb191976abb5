/**
 * The OpenAPI document against the real gateway: a private Redis filled through the core
 * classes (streams, workers, queued frames, results, events), every route called, and
 * every real body validated with ajv against the schema the document declares for that
 * route and status. At the end, every documented response must have been seen for real.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import {
  createRedis,
  decodeResultMessage,
  EventLog,
  FrameQueue,
  parseConfig,
  RESULT_VERSION,
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
import { startGateway, type RunningGateway } from '../gateway-server.js';
import {
  openSocket,
  refusedUpgrade as refused,
  type OpenSocket,
} from '../testing/gateway-clients.js';
import { EIR_LAYOUT } from './openapi-document.js';

const TOKEN = 'contract-token';
const MAX_WS_CLIENTS = 4;
const MAX_WS_CLIENTS_PER_IP = 3;
let server: PrivateRedis | undefined;
let redis: Redis | undefined;
let gateway: RunningGateway | undefined;
/** The same gateway without a token: websockets then depend on the page's Origin. */
let insecure: RunningGateway | undefined;
let base = '';
let document: OpenApi;
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats.default(ajv);
// The document's own keys are not JSON Schema keywords; declaring them keeps ajv strict
// for the schemas inside while refs point into paths and components.
ajv.addVocabulary(['openapi', 'info', 'servers', 'tags', 'security', 'paths', 'components']);
const validators = new Map<string, ValidateFunction>();
/** `<path> <status>` of every response that was checked against the document. */
const seen = new Set<string>();

interface OpenApi {
  paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
}

beforeAll(async () => {
  try {
    server = await startPrivateRedis();
    redis = createRedis({ url: server.url });
    redis.on('error', () => undefined);
    await waitUntilReady(redis);
    await fill(redis);
    gateway = await startGateway({
      // The Redis outage below logs each failed request at `error`; this suite checks bodies.
      config: parseConfig({ redis: { url: server.url }, log: { level: 'fatal' } }, { env: {} }),
      port: 0,
      host: '127.0.0.1',
      apiToken: TOKEN,
      metricsPort: 0,
      maxWsClients: MAX_WS_CLIENTS,
      maxWsClientsPerIp: MAX_WS_CLIENTS_PER_IP,
      dashboardDir: '/nonexistent',
    });
    insecure = await startGateway({
      config: parseConfig({ redis: { url: server.url }, log: { level: 'fatal' } }, { env: {} }),
      port: 0,
      host: '127.0.0.1',
      insecure: true,
      dashboardDir: '/nonexistent',
    });
    base = `http://127.0.0.1:${gateway.port}`;
    const response = await fetch(`${base}/api/openapi.json`, { headers: auth });
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApi;
    ajv.addSchema(document, 'openapi.json');
  } catch (error) {
    await stopAll();
    throw error;
  }
});
afterAll(stopAll);

async function stopAll(): Promise<void> {
  await gateway?.close();
  await insecure?.close();
  redis?.disconnect();
  await server?.stop();
}

const auth = { authorization: `Bearer ${TOKEN}` };

/** Real data in every structure the API reads, written by the same classes the services use. */
async function fill(redis: Redis): Promise<void> {
  const streams = new StreamRegistry({ redis, ttlMs: 600_000 });
  await streams.announce({
    id: 'cam-1',
    type: 'people',
    source: 'rtsp://admin:secret@10.0.0.5/stream1',
    state: 'live',
    host: 'edge-1',
    width: 640,
    height: 480,
    fps: 15,
    frames: 1234,
    reconnects: 1,
  });
  await streams.announce({
    id: 'door.cam:2',
    type: 'face',
    source: '/videos/door.mp4',
    state: 'retrying',
    host: 'edge-2',
    lastError: 'connection refused',
  });
  const workers = new WorkerRegistry({ redis, ttlMs: 600_000 });
  await workers.report({
    id: 'people-a1',
    type: 'people',
    host: 'node-1',
    model: 'nanodet',
    state: 'ready',
    inferFps: 19.4,
    dropFps: 2.1,
    scaleRatio: 1.11,
    inferenceMs: 49.8,
  });
  await workers.report({
    id: 'face-b1',
    type: 'face',
    host: 'node-2',
    model: 'blazeface',
    state: 'starting',
    inferFps: 0,
    dropFps: 0,
    scaleRatio: 0.5,
  });
  const queue = new FrameQueue({ redis, type: 'people', policy: 'latest', cap: 16 });
  for (let seq = 0; seq < 3; seq++) {
    await queue.push({
      streamId: 'cam-1',
      type: 'people',
      seq,
      captureTs: Date.now(),
      width: 640,
      height: 480,
      encoding: 'jpeg',
      data: sampleJpeg(),
    });
  }
  const bus = new ResultBus({ redis });
  for (let seq = 0; seq < 4; seq++)
    await bus.publish(result(seq % 2 ? 'door.cam:2' : 'cam-1', seq), sampleJpeg());
  const events = new EventLog(redis);
  await events.append({
    at: Date.now(),
    kind: 'scale',
    subject: 'people',
    message: 'scaled people from 1 to 2 workers (scale ratio 1.8)',
    from: 1,
    to: 2,
  });
  await events.append({
    at: Date.now(),
    kind: 'restart',
    subject: 'ei-infer-face',
    message: 'worker exited with code 1; restarted',
  });
}

/** A result of a stream of `fill`, of the type its stream feeds. */
function result(streamId: string, seq: number): InferenceResult {
  return { ...sampleResult(streamId, seq), type: streamId === 'cam-1' ? 'people' : 'face' };
}

/** The validator of what the document declares for `path` and `status` (JSON bodies). */
function declared(path: string, status: number | string): ValidateFunction {
  const pointer = `openapi.json#/paths/${escape(path)}/get/responses/${status}/content/application~1json/schema`;
  let validate = validators.get(pointer);
  if (!validate) {
    expect(
      document.paths[path]?.get?.responses[String(status)],
      `${path} documents ${status}`,
    ).toBeDefined();
    validate = ajv.compile({ $ref: pointer });
    validators.set(pointer, validate);
  }
  return validate;
}

function component(name: string): ValidateFunction {
  return ajv.getSchema(`openapi.json#/components/schemas/${name}`)!;
}

function escape(path: string): string {
  return path.replaceAll('~', '~0').replaceAll('/', '~1');
}

function expectValid(validate: ValidateFunction, body: unknown, what: string): void {
  const ok = validate(body);
  expect(ok, `${what}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`).toBe(true);
}

/** Calls a route and checks the real answer against the document. Returns the body. */
async function call(
  path: string,
  url: string,
  expectedStatus: number,
  headers: Record<string, string> = auth,
): Promise<unknown> {
  const response = await fetch(`${base}${url}`, { headers });
  expect(response.status, url).toBe(expectedStatus);
  expect(response.headers.get('content-type'), url).toMatch(/^application\/json/);
  const body: unknown = await response.json();
  expectValid(declared(path, expectedStatus), body, `${url} → ${expectedStatus}`);
  seen.add(`${path} ${expectedStatus}`);
  return body;
}

const API_ROUTES: [path: string, url: string][] = [
  ['/api/streams', '/api/streams'],
  ['/api/streams/{id}', '/api/streams/cam-1'],
  ['/api/types', '/api/types'],
  ['/api/stats', '/api/stats'],
  ['/api/results', '/api/results'],
  ['/api/events', '/api/events'],
  ['/api/openapi.json', '/api/openapi.json'],
];

describe('the OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document whose schemas are valid JSON Schema 2020-12', async () => {
    const validator = new Validator();
    const outcome = await validator.validate(
      JSON.parse(JSON.stringify(document)) as Record<string, unknown>,
    );
    expect(outcome.valid, JSON.stringify(outcome.errors, null, 2)).toBe(true);
    expect(validator.version).toBe('3.1');
    for (const [name, schema] of Object.entries(document.components.schemas)) {
      expect(ajv.validateSchema(schema as object), `${name}: ${ajv.errorsText()}`).toBe(true);
      expect(component(name), name).toBeTypeOf('function');
    }
  });

  it('declares every route of the gateway, with bearer security on /api and the websockets', () => {
    expect(Object.keys(document.paths).sort()).toEqual(
      [
        '/',
        '/api/events',
        '/api/openapi.json',
        '/api/results',
        '/api/stats',
        '/api/streams',
        '/api/streams/{id}',
        '/api/types',
        '/healthz',
        '/readyz',
        '/ws',
        '/ws/streams/{id}',
      ].sort(),
    );
    const raw = document as unknown as {
      security: unknown;
      components: { securitySchemes: Record<string, { type: string; scheme?: string }> };
      paths: Record<string, { get: { security?: unknown; 'x-websocket'?: unknown } }>;
    };
    expect(raw.components.securitySchemes.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(raw.security).toEqual([{ bearerAuth: [] }]);
    expect(raw.paths['/healthz']!.get.security).toEqual([]);
    expect(raw.paths['/ws']!.get['x-websocket']).toMatchObject({
      serverBinaryMessage: { name: 'EIR' },
    });
  });
});

describe('real responses match the document', () => {
  it('/api routes: 200 bodies from real data', async () => {
    const streams = (await call('/api/streams', '/api/streams', 200)) as {
      streams: { id: string; source: string; queue: { pushed: number } }[];
    };
    expect(streams.streams.map((s) => s.id)).toEqual(['cam-1', 'door.cam:2']);
    expect(streams.streams[0]).toMatchObject({
      source: 'rtsp://admin:***@10.0.0.5/stream1',
      queue: { pushed: 3, dropped: 2 },
    });
    await call('/api/streams/{id}', '/api/streams/cam-1', 200);
    await call('/api/streams/{id}', `/api/streams/${encodeURIComponent('door.cam:2')}`, 200);
    const types = (await call('/api/types', '/api/types', 200)) as {
      types: { name: string; workers: { inferenceMs: number | null }[]; queueDepth: number }[];
    };
    const people = types.types.find((t) => t.name === 'people')!;
    expect(people.queueDepth).toBe(1);
    expect(types.types.find((t) => t.name === 'face')!.workers[0]!.inferenceMs).toBeNull();
    expect(await call('/api/stats', '/api/stats', 200)).toMatchObject({ streams: 2, workers: 2 });
    const all = (await call('/api/results', '/api/results', 200)) as { results: unknown[] };
    expect(all.results).toHaveLength(4);
    const one = (await call('/api/results', '/api/results?stream=door.cam:2&limit=1', 200)) as {
      results: { seq: number }[];
    };
    expect(one.results.map((r) => r.seq)).toEqual([3]);
    const events = (await call('/api/events', '/api/events?limit=5', 200)) as {
      events: { kind: string }[];
    };
    expect(events.events.map((e) => e.kind)).toEqual(['restart', 'scale']);
    await call('/api/openapi.json', '/api/openapi.json', 200);
  });

  it('/api routes: 400, 401 and 404 bodies', async () => {
    for (const url of [
      '/api/results?limit=0',
      '/api/results?limit=abc',
      '/api/results?stream=bad%20id',
      '/api/results?unknown=1',
    ])
      await call('/api/results', url, 400);
    await call('/api/events', '/api/events?limit=5000', 400);
    await call('/api/streams/{id}', '/api/streams/%20bad', 400);
    const missing = await call('/api/streams/{id}', '/api/streams/nope', 404);
    expect(missing).toMatchObject({ error: { code: 'stream/not-found' } });
    for (const [path, url] of API_ROUTES) {
      await call(path, url, 401, {});
      await call(path, url, 401, { authorization: 'Bearer wrong' });
    }
    // A path the document does not name still answers with its Error shape.
    const unknown = await fetch(`${base}/api/nothing`, { headers: auth });
    expect(unknown.status).toBe(404);
    expectValid(component('Error'), await unknown.json(), '/api/nothing');
  });

  it('probes, metrics and the dashboard', async () => {
    expect(await call('/healthz', '/healthz', 200, {})).toEqual({ status: 'ok' });
    expect(await call('/readyz', '/readyz', 200, {})).toEqual({ status: 'ok', redis: 'ready' });
    // Metrics are on the ops port, outside this document.
    const metrics = await fetch(`http://127.0.0.1:${gateway!.metricsPort}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await metrics.text()).toMatch(/ei_gateway_ws_clients/);
    const notHere = await fetch(`${base}/metrics`);
    expect(notHere.status).toBe(404);
    expectValid(component('Error'), await notHere.json(), '/metrics on the API port');
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    seen.add('/ 200');
  });

  it('websockets: hello, subscribe, errors and EIR binary messages', async () => {
    const multi = await openWs('/ws', 'Bearer');
    expectValid(component('WsServerMessage'), multi.texts[0], 'hello');
    expect(multi.texts[0]).toEqual({ type: 'hello', streams: [] });
    const subscribe = { op: 'subscribe', streams: ['cam-1'] };
    expectValid(component('WsClientMessage'), subscribe, 'client subscribe');
    multi.ws.send(JSON.stringify(subscribe));
    multi.ws.send('{not json');
    multi.ws.send(JSON.stringify({ op: 'watch', streams: 'x' }));
    multi.ws.send(Buffer.from([1, 2, 3]));
    multi.ws.send(JSON.stringify({ op: 'subscribe', streams: ['cam-1', 'cam-2'] }));
    multi.ws.send(JSON.stringify({ op: 'unsubscribe', streams: ['cam-2'] }));
    await until(() => multi.texts.length === 7);
    for (const text of multi.texts) expectValid(component('WsServerMessage'), text, 'server text');
    expect(
      multi.texts.slice(1).map((t) => (t as { type: string; code?: string }).code ?? t),
    ).toEqual([
      { type: 'subscribed', streams: ['cam-1'] },
      'ws/bad-json',
      'ws/bad-op',
      'ws/binary',
      // Answers carry the change only.
      { type: 'subscribed', streams: ['cam-2'] },
      { type: 'unsubscribed', streams: ['cam-2'] },
    ]);

    const single = await openWs('/ws/streams/cam-1', 'query');
    expect(single.texts[0]).toEqual({ type: 'hello', streams: ['cam-1'] });
    seen.add('/ws 101').add('/ws/streams/{id} 101');
    const published = result('cam-1', 42);
    await new ResultBus({ redis: redis! }).publish(published, sampleJpeg());
    await until(() => multi.binaries.length === 1 && single.binaries.length === 1);
    for (const message of [multi.binaries[0]!, single.binaries[0]!]) {
      // The layout the document gives, read byte by byte.
      const metadataAt = EIR_LAYOUT.find((f) => f.field === 'metadata')!.offset;
      expect(message.subarray(0, 3).toString('latin1')).toBe('EIR');
      expect(message[3]).toBe(RESULT_VERSION);
      const length = message.readUInt32BE(4);
      const metadata: unknown = JSON.parse(
        message.subarray(metadataAt, metadataAt + length).toString('utf8'),
      );
      expectValid(component('InferenceResult'), metadata, 'EIR metadata');
      expect(metadata).toEqual(published);
      expect(Buffer.compare(message.subarray(metadataAt + length), sampleJpeg())).toBe(0);
      expect(decodeResultMessage(message).result).toEqual(published);
    }
    multi.ws.close();
    single.ws.close();
    await until(() => gateway!.relay.clientCount === 0);
  });

  it('websockets: refused upgrades answer with the documented Error bodies', async () => {
    const url = `ws://127.0.0.1:${gateway!.port}`;
    const noToken = await refused(`${url}/ws`);
    expect(noToken.status).toBe(401);
    expectValid(declared('/ws', 401), noToken.body, '/ws 401');
    seen.add('/ws 401');
    const noTokenSingle = await refused(`${url}/ws/streams/cam-1`);
    expectValid(declared('/ws/streams/{id}', 401), noTokenSingle.body, '/ws/streams 401');
    seen.add('/ws/streams/{id} 401');
    const badId = await refused(`${url}/ws/streams/${encodeURIComponent('bad id')}?token=${TOKEN}`);
    expect(badId.status).toBe(400);
    expectValid(declared('/ws/streams/{id}', 400), badId.body, '/ws/streams 400');
    seen.add('/ws/streams/{id} 400');
    const elsewhere = await refused(`${url}/elsewhere?token=${TOKEN}`);
    expect(elsewhere.status).toBe(404);
    expectValid(component('Error'), elsewhere.body, 'unknown websocket path');

    const malformed = await refused(`${url}/ws/streams/%E0%A4%A?token=${TOKEN}`);
    expect(malformed.status).toBe(400);
    expectValid(declared('/ws/streams/{id}', 400), malformed.body, 'malformed id');

    // Without a token, a page of another origin may not open a websocket.
    for (const path of ['/ws', '/ws/streams/{id}'] as const) {
      const target = `ws://127.0.0.1:${insecure!.port}${path.replace('{id}', 'cam-1')}`;
      const otherSite = await refused(target, { origin: 'http://evil.example' });
      expect(otherSite.status).toBe(403);
      expectValid(declared(path, 403), otherSite.body, `${path} 403`);
      seen.add(`${path} 403`);
    }

    // Clients per address, then in all: 127.0.0.2 is this machine as another address.
    const open = await Promise.all(
      Array.from({ length: MAX_WS_CLIENTS_PER_IP }, () => openWs('/ws', 'Bearer')),
    );
    for (const path of ['/ws', '/ws/streams/{id}'] as const) {
      const crowded = await refused(`${url}${path.replace('{id}', 'cam-1')}?token=${TOKEN}`);
      expect(crowded.status).toBe(429);
      expectValid(declared(path, 429), crowded.body, `${path} 429`);
      seen.add(`${path} 429`);
    }
    open.push(await openWs('/ws', 'Bearer', '127.0.0.2'));
    expect(open).toHaveLength(MAX_WS_CLIENTS);
    for (const path of ['/ws', '/ws/streams/{id}'] as const) {
      const full = await refused(`${url}${path.replace('{id}', 'cam-1')}?token=${TOKEN}`, {
        localAddress: '127.0.0.2',
      });
      expect(full.status).toBe(503);
      expectValid(declared(path, 503), full.body, `${path} 503`);
      seen.add(`${path} 503`);
    }
    for (const client of open) client.ws.close();
    await until(() => gateway!.relay.clientCount === 0);
  });

  it('Redis down: 503 bodies from /api and /readyz', async () => {
    const restarting = server!.restart({ downMs: 1500 });
    try {
      await until(async () => (await fetch(`${base}/readyz`)).status === 503);
      await call('/readyz', '/readyz', 503, {});
      for (const [path, url] of API_ROUTES) {
        if (path === '/api/openapi.json') continue; // needs no Redis
        const body = await call(path, url, 503);
        expect(body).toMatchObject({ error: { code: 'redis/unavailable' } });
      }
    } finally {
      await restarting;
    }
    await until(async () => (await fetch(`${base}/readyz`)).status === 200);
  });

  it('every response the document declares was checked against a real one', () => {
    const declaredResponses = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item.get!.responses)
        .filter((status) => status !== 'default')
        .map((status) => `${path} ${status}`),
    );
    expect(declaredResponses.filter((r) => !seen.has(r))).toEqual([]);
  });
});

async function openWs(
  path: string,
  how: 'Bearer' | 'query',
  localAddress?: string,
): Promise<OpenSocket> {
  const url = `ws://127.0.0.1:${gateway!.port}${path}${how === 'query' ? `?token=${TOKEN}` : ''}`;
  return openSocket(url, { headers: how === 'Bearer' ? auth : {}, localAddress });
}

/** Polls `condition` every 20 ms (core's waitFor). */
function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<boolean> {
  return waitFor('a condition', condition, timeoutMs, 20);
}
