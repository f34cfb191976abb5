/**
 * The gateway before Redis: it listens and answers its liveness probe while Redis is
 * unreachable, says not ready until Redis is there, then serves the API and relays
 * results without a restart.
 */
import { createRedis, parseConfig, ResultBus, waitUntilReady } from '@ei/core';
import {
  freePort,
  sampleJpeg,
  startPrivateRedis,
  waitFor,
  type PrivateRedis,
  sampleResult,
} from '@ei/core/testing';
import { afterAll, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './gateway-server.js';
import { openSocket } from './testing/gateway-clients.js';

let gateway: RunningGateway | undefined;
let redis: PrivateRedis | undefined;
afterAll(async () => {
  await gateway?.close();
  await redis?.stop();
});

it('answers /healthz while Redis is down at start, /readyz 503 until Redis comes up, then serves and relays', async () => {
  const redisPort = await freePort();
  const url = `redis://127.0.0.1:${redisPort}`;
  gateway = await startGateway({
    config: parseConfig({ redis: { url }, log: { level: 'fatal' } }, { env: {} }),
    port: 0,
    host: '127.0.0.1',
    metricsPort: 0,
    insecure: true,
    dashboardDir: '/nonexistent',
  });
  const base = `http://127.0.0.1:${gateway.port}`;
  const ops = `http://127.0.0.1:${gateway.metricsPort}`;
  expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
  expect((await fetch(`${ops}/healthz`)).status).toBe(200);
  const notReady = await fetch(`${base}/readyz`);
  expect(notReady.status).toBe(503);
  expect(await notReady.json()).toMatchObject({ status: 'unavailable' });
  expect((await fetch(`${ops}/readyz`)).status).toBe(503);
  const api = await fetch(`${base}/api/streams`);
  expect(api.status).toBe(503);
  expect(await api.json()).toMatchObject({ error: { code: 'redis/unavailable' } });
  // Websocket clients may connect already; results flow once Redis is there.
  const client = await openSocket(`ws://127.0.0.1:${gateway.port}/ws/streams/late`);

  redis = await startPrivateRedis({ port: redisPort });
  await waitFor(
    'readiness',
    async () => (await fetch(`${base}/readyz`)).status === 200,
    20_000,
    50,
  );
  expect((await fetch(`${ops}/readyz`)).status).toBe(200);
  expect((await fetch(`${base}/api/streams`)).status).toBe(200);
  const publisher = createRedis({ url });
  await waitUntilReady(publisher);
  await new ResultBus({ redis: publisher }).publish(sampleResult('late', 1), sampleJpeg());
  await waitFor('the relayed result', () => client.binaries.length === 1, 10_000, 20);
  client.ws.close();
  publisher.disconnect();
});
