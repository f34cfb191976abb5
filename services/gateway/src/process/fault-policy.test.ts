/**
 * The last-resort policy of the `ei gateway` process, in a real one: an exception and a
 * rejection that no code catches are logged and counted, and the process keeps serving.
 * The faults are raised by a module the test preloads (`node --import`), since no
 * request can raise one: that is what the rest of the suite checks.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPrivateRedis, waitFor, type PrivateRedis } from '@ei/core/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { metricValue } from '../testing/gateway-clients.js';
import { startGatewayProcess, type GatewayProcess } from '../testing/gateway-process.js';

const TRIGGER = `
process.stdin.setEncoding('utf8');
process.stdin.on('data', (text) => {
  if (text.includes('throw')) setImmediate(() => { throw new Error('fault-test: thrown'); });
  if (text.includes('reject')) void Promise.reject(new Error('fault-test: rejected'));
});
`;

let redis: PrivateRedis;
let dir: string;
let gateway: GatewayProcess | undefined;

beforeAll(async () => {
  redis = await startPrivateRedis();
  dir = await mkdtemp(join(tmpdir(), 'ei-fault-policy-'));
});
afterAll(async () => {
  await gateway?.stop();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('logs and counts an uncaught exception and an unhandled rejection, and keeps serving', async () => {
  const trigger = join(dir, 'trigger.mjs');
  await writeFile(trigger, TRIGGER);
  gateway = await startGatewayProcess({
    redisUrl: redis.url,
    args: ['--insecure'],
    nodeArgs: ['--import', trigger],
  });
  const { port, metricsPort } = gateway;
  const internalErrors = (): Promise<number> =>
    metricValue(`http://127.0.0.1:${metricsPort}/metrics`, 'ei_errors_total', {
      kind: 'internal',
    });
  expect(await internalErrors()).toBe(0);

  gateway.child.stdin!.write('throw\n');
  await waitFor('the exception logged', () => gateway!.output().includes('fault-test: thrown'));
  const logged = gateway
    .output()
    .split('\n')
    .filter((line) => line.includes('fault-test: thrown'))
    .map((line) => JSON.parse(line) as { level: number; msg: string; err: { stack: string } });
  expect(logged[0]).toMatchObject({
    level: 50,
    msg: 'uncaught exception; the gateway keeps serving',
  });
  expect(logged[0]!.err.stack).toContain('trigger.mjs');
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  expect(await internalErrors()).toBe(1);

  gateway.child.stdin!.write('reject\n');
  await waitFor('the rejection logged', () => gateway!.output().includes('fault-test: rejected'));
  expect(gateway.output()).toContain('unhandled promise rejection; the gateway keeps serving');
  expect((await fetch(`http://127.0.0.1:${port}/api/streams`)).status).toBe(200);
  expect(await internalErrors()).toBe(2);

  await gateway.stop();
  expect(await gateway.exited).toBe(0);
});
