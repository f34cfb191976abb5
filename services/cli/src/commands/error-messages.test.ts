import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultModelsDirectory } from '@ei/models';
import { freePort, photoFixture, startPrivateRedis, type PrivateRedis } from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEi, type EiRun } from '../testing/ei-process.js';

const CLIP = fileURLToPath(new URL('../../defaults/samples/faces.mp4', import.meta.url));

let redis: PrivateRedis;
let busy: Server;
let busyPort: number;
let dir: string;

beforeAll(async () => {
  redis = await startPrivateRedis();
  // A port some other process holds, on every interface as the services listen.
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '0.0.0.0', resolve));
  busyPort = (busy.address() as { port: number }).port;
  dir = await mkdtemp(join(tmpdir(), 'ei-errors-'));
});
afterAll(async () => {
  busy?.close();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The run failed with exactly one line on stderr that matches, and no stack trace. */
function expectExplained(run: EiRun, message: RegExp): void {
  expect(run.code, run.stderr).not.toBe(0);
  expect(run.stderr).toMatch(message);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

describe('errors that say what to change', () => {
  it('a port in use names the option to change', async () => {
    const port = String(busyPort);
    const [produce, worker, gateway, up] = await Promise.all([
      runEi([
        ...['produce', '--source', CLIP, '--type', 'face', '--name', 'second'],
        ...['--redis', redis.url, '--metrics-port', port],
      ]),
      runEi(['worker', '--type', 'face', '--redis', redis.url, '--metrics-port', port]),
      runEi(['gateway', '--insecure', '--redis', redis.url, '--port', port, '--metrics-port', '0']),
      runEi(['up', '--no-build', '--redis', redis.url, '--port', port]),
    ]);
    const inUse = `port ${port} is already in use`;
    expectExplained(produce, new RegExp(`${inUse}.*--metrics-port <port>, 0 for any free port`));
    expectExplained(worker, new RegExp(`${inUse}.*--metrics-port <port>, or 0 for any free port`));
    expectExplained(gateway, new RegExp(`${inUse}.*--port <port>`));
    expectExplained(up, new RegExp(`${inUse}.*--port <port>`));
  }, 90_000);

  // The gateway is not among them: it starts without Redis and reports it in /readyz
  // (services/gateway/src/gateway-startup.test.ts).
  it('an unreachable Redis names the URL and how to get one', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const runs = await Promise.all([
      runEi(['worker', '--type', 'face', '--redis', url, '--metrics-port', '0']),
      runEi([
        ...['produce', '--source', CLIP, '--type', 'face', '--name', 'cam'],
        ...['--redis', url, '--metrics-port', '0'],
      ]),
    ]);
    for (const run of runs) {
      expectExplained(
        run,
        new RegExp(`no Redis answers at ${url}.*apt-get install -y redis-server.*--redis <url>`),
      );
    }
  }, 90_000);

  it('a missing ffmpeg says how to install or point to one', async () => {
    const common = ['produce', '--source', CLIP, '--type', 'face', '--name', 'cam'];
    const [option, env] = await Promise.all([
      runEi([...common, '--redis', redis.url, '--ffmpeg', '/nonexistent/ffmpeg']),
      runEi([...common, '--redis', redis.url], { env: { FFMPEG_PATH: '/nonexistent/ffmpeg' } }),
    ]);
    expectExplained(option, /ffmpeg not found at \/nonexistent\/ffmpeg \(--ffmpeg\)/);
    expectExplained(env, /fix or unset FFMPEG_PATH, or install ffmpeg \(Debian: apt-get install/);
  }, 60_000);

  it('a missing model file says to run ei models prepare', async () => {
    // A manifest whose ONNX files are gone (deleted, or a models folder copied in part).
    await copyFile(join(defaultModelsDirectory(), 'manifest.json'), join(dir, 'manifest.json'));
    const [detect, worker] = await Promise.all([
      runEi(['detect', photoFixture('dog.jpg'), '--model', 'nanodet', '--models-dir', dir]),
      runEi([
        ...['worker', '--type', 'people', '--models-dir', dir],
        ...['--redis', redis.url, '--metrics-port', '0'],
      ]),
    ]);
    for (const run of [detect, worker]) {
      expectExplained(run, /model nanodet: .*nanodet\.onnx is missing; run `ei models prepare`/);
    }
  }, 60_000);
});
