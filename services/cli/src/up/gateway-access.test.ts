/**
 * How `ei up` opens its gateway, and a real `ei gateway` started the way it says: on
 * loopback without a token but closed to other sites' pages, elsewhere with a token.
 */
import { spawn } from 'node:child_process';
import { freePort, startPrivateRedis, waitFor, type PrivateRedis } from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { REPO_ROOT } from './launcher.js';
import { gatewayAccess, type GatewayAccess } from './gateway-access.js';

describe('gatewayAccess', () => {
  it('serves loopback without a token, on purpose, to pages of its own URL only', () => {
    const access = gatewayAccess({ port: 8080 });
    expect(access.host).toBe('127.0.0.1');
    expect(access.args).toEqual([
      '--insecure',
      '--allowed-origins',
      'http://localhost:8080,http://127.0.0.1:8080,http://[::1]:8080',
    ]);
    expect(access.generatedToken).toBeUndefined();
  });

  it('makes up a token for any other address, and takes the one given', () => {
    const open = gatewayAccess({ host: '0.0.0.0', port: 8080 });
    expect(open.args).toEqual([]);
    expect(open.generatedToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(open.env.EI_API_TOKEN).toBe(open.generatedToken);
    expect(gatewayAccess({ host: '0.0.0.0', port: 8080 }).generatedToken).not.toBe(
      open.generatedToken,
    );
    const given = gatewayAccess({ host: '127.0.0.1', port: 8080, apiToken: 'mine' });
    expect(given).toMatchObject({ args: [], env: { EI_API_TOKEN: 'mine' } });
    expect(given.generatedToken).toBeUndefined();
  });
});

describe('the gateway ei up starts', () => {
  let redis: PrivateRedis;
  const stops: (() => void)[] = [];
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    for (const stop of stops) stop();
    await redis?.stop();
  });

  /** `ei gateway` with the access's arguments and environment, on 127.0.0.1. */
  async function start(access: GatewayAccess, port: number): Promise<string> {
    const child = spawn(
      process.execPath,
      [
        `${REPO_ROOT}/services/cli/bin/ei.js`,
        'gateway',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--metrics-port',
        '0',
        ...access.args,
      ],
      {
        env: { ...process.env, ...access.env, REDIS_URL: redis.url, LOG_LEVEL: 'warn' },
        stdio: 'ignore',
      },
    );
    stops.push(() => child.kill('SIGKILL'));
    const base = `http://127.0.0.1:${port}`;
    await waitFor('the gateway', async () => (await fetch(`${base}/readyz`)).ok, 30_000, 100);
    return base;
  }

  function upgrade(url: string, origin: string): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(url, { origin });
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
  }

  it('on loopback: the API without a token, websockets from its own pages only', async () => {
    const port = await freePort();
    const base = await start(gatewayAccess({ port }), port);
    expect((await fetch(`${base}/api/streams`)).status).toBe(200);
    const ws = `ws://127.0.0.1:${port}/ws`;
    expect(await upgrade(ws, `http://localhost:${port}`)).toBe(101);
    expect(await upgrade(ws, 'http://evil.example')).toBe(403);
  });

  it('elsewhere: only with the token it made up', async () => {
    const port = await freePort();
    const access = gatewayAccess({ host: '0.0.0.0', port });
    const base = await start(access, port);
    expect((await fetch(`${base}/api/streams`)).status).toBe(401);
    const auth = { authorization: `Bearer ${access.generatedToken}` };
    expect((await fetch(`${base}/api/streams`, { headers: auth })).status).toBe(200);
  });
});
