import { spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createRedis,
  FrameQueue,
  parseConfig,
  ResultBus,
  StreamRegistry,
  waitUntilReady,
  type EiConfig,
  type Frame,
  type InferenceResult,
  type QueuePolicy,
  type Redis,
} from '@ei/core';
import { freePort, jpegClaimingSize, startPrivateRedis, type PrivateRedis } from '@ei/core/testing';
import type { InferenceThread } from '@ei/detection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelsDirectory, PINNED_SHA256, sha256Hex, type ModelManifest } from '@ei/models';
import { OnnxGraphBuilder, prepareModels } from '@ei/models/build';
import { loadTypeDetector } from './load-type-detector.js';
import { runWorker, type RunningWorker } from './run-worker.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const CLI = new URL('../../cli/bin/ei.js', import.meta.url).pathname;
let jpegs: Buffer[];
let server: PrivateRedis;
let redis: Redis;

beforeAll(async () => {
  await prepareModels({ modelsDir: defaultModelsDirectory() });
  jpegs = await Promise.all(
    ['vtest-1s.jpg', 'vtest-4s.jpg', 'vtest-7s.jpg', 'vtest-10s.jpg'].map((f) =>
      readFile(new URL(f, FIXTURES)),
    ),
  );
  server = await startPrivateRedis();
  redis = createRedis({ url: server.url });
  redis.on('error', () => {});
  await waitUntilReady(redis);
}, 120_000);
afterAll(async () => {
  redis.disconnect();
  await server.stop();
});

let prefixSerial = 0;
function setup(policy: QueuePolicy, cap = 64) {
  const keyPrefix = `w${++prefixSerial}:`;
  const config: EiConfig = parseConfig(
    {
      redis: { url: server.url, keyPrefix },
      types: { people: { policy, cap, classes: ['person'] } },
    },
    { env: {} },
  );
  const queue = new FrameQueue({ redis, type: 'people', policy, cap, keyPrefix });
  const registry = new StreamRegistry({ redis, keyPrefix, ttlMs: 60_000 });
  const bus = new ResultBus({ redis, keyPrefix });
  return { config, queue, registry, bus, keyPrefix };
}

function frame(streamId: string, seq: number, data = jpegs[seq % jpegs.length]!): Frame {
  return {
    streamId,
    type: 'people',
    seq,
    captureTs: Date.now(),
    width: 768,
    height: 576,
    encoding: 'jpeg',
    data,
  };
}

async function startWorker(config: EiConfig, workerId: string): Promise<RunningWorker> {
  return runWorker({
    config,
    type: 'people',
    metricsPort: 0,
    workerId,
    loadModel: (cfg, type) => loadTypeDetector(cfg, type, { modelsDir: defaultModelsDirectory() }),
  });
}

async function collect(bus: ResultBus, streams: string[] | '*') {
  const results: InferenceResult[] = [];
  const subscription = await bus.subscribe(streams, (live) => results.push(live.result));
  return { results, close: () => subscription.close() };
}

async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** GET on the worker's ops port (/metrics, /healthz, /readyz). */
function ops(worker: RunningWorker, path: string): Promise<Response> {
  const port = (worker.opsServer.address() as { port: number }).port;
  return fetch(`http://127.0.0.1:${port}${path}`);
}

async function metric(worker: RunningWorker, name: string, labels: string): Promise<number> {
  const text = await (await ops(worker, '/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('inference worker', () => {
  it('turns vtest frames into published person detections, with the original JPEG untouched', async () => {
    const { config, queue, registry, bus } = setup('fifo');
    await registry.announce({
      id: 'street',
      type: 'people',
      source: 'vtest',
      state: 'live',
      host: 'test',
    });
    const live: Buffer[] = [];
    const results: InferenceResult[] = [];
    const subscription = await bus.subscribe(['street'], (l) => {
      results.push(l.result);
      live.push(Buffer.from(l.jpeg));
    });
    const worker = await startWorker(config, 'w-a');
    for (let seq = 0; seq < 4; seq++) await queue.push(frame('street', seq));
    await until(() => results.length === 4);
    expect(results.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    for (const [i, result] of results.entries()) {
      expect(result.detections.length).toBeGreaterThanOrEqual(2);
      expect(result.detections.every((d) => d.label === 'person' && d.score >= 0.4)).toBe(true);
      for (const d of result.detections) {
        expect(d.box[0]).toBeLessThan(d.box[2]);
        expect(d.box[2]).toBeLessThanOrEqual(1);
      }
      expect(result).toMatchObject({
        width: 768,
        height: 576,
        workerId: 'w-a',
        model: { name: 'nanodet' },
      });
      expect(result.model.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(result.timings.inferenceMs).toBeGreaterThan(0);
      expect(result.publishedTs).toBeGreaterThanOrEqual(result.dequeuedTs);
      expect(Buffer.compare(live[i]!, jpegs[i]!)).toBe(0);
    }
    expect((await bus.recent({ stream: 'street' })).length).toBe(4);
    expect(await metric(worker, 'ei_model_info', 'name="nanodet"')).toBe(1);
    await worker.shutdown();
    await subscription.close();
  });

  it('under overload every frame is accounted for: pushed = inferred + dropped + waiting', async () => {
    const { config, queue, registry, bus } = setup('latest');
    const streams = ['s0', 's1', 's2', 's3'];
    for (const id of streams)
      await registry.announce({ id, type: 'people', source: 'x', state: 'live', host: 'test' });
    const { results, close } = await collect(bus, streams);
    const worker = await startWorker(config, 'w-over');
    // 4 streams at ~50 fps each against one worker of ~20 fps.
    for (let seq = 0; seq < 60; seq++) {
      for (const id of streams) await queue.push(frame(id, seq));
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await until(
      async () => (await queue.stats()).waiting.latest === 0 && worker.worker.framesInHand === 0,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stats = await queue.stats();
    expect(stats.pushed).toBe(240);
    expect(stats.dropped).toBeGreaterThan(0);
    expect(results.length + stats.dropped + stats.waiting.latest).toBe(240);
    expect(worker.worker.processed).toBe(results.length);
    // Each stream was served, newest frames first: results of a stream come in increasing seq.
    for (const id of streams) {
      const seqs = results.filter((r) => r.streamId === id).map((r) => r.seq);
      expect(seqs.length).toBeGreaterThan(0);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    }
    // The drop share reaches the metrics once the status loop has run.
    await until(async () => (await metric(worker, 'ei_drop_fps', 'type="people"')) > 0, 5000);
    expect(await metric(worker, 'ei_scale_ratio', 'type="people"')).toBeGreaterThan(1);
    await worker.shutdown();
    await close();
  });

  it('two workers on one type share the load and no frame is processed twice', async () => {
    const { config, queue, registry, bus } = setup('fifo', 1000);
    await registry.announce({
      id: 'cam',
      type: 'people',
      source: 'x',
      state: 'live',
      host: 'test',
    });
    const { results, close } = await collect(bus, ['cam']);
    const workers = await Promise.all([startWorker(config, 'w-1'), startWorker(config, 'w-2')]);
    for (let seq = 0; seq < 40; seq++) await queue.push(frame('cam', seq));
    await until(() => results.length === 40, 60_000);
    expect(new Set(results.map((r) => r.seq)).size).toBe(40);
    const byWorker = new Map<string, number>();
    for (const r of results) byWorker.set(r.workerId, (byWorker.get(r.workerId) ?? 0) + 1);
    expect([...byWorker.keys()].sort()).toEqual(['w-1', 'w-2']);
    await Promise.all(workers.map((w) => w.shutdown()));
    await close();
  });

  it('counts and skips corrupt JPEGs, wrong sizes and unknown streams, and goes on', async () => {
    const { config, queue, registry, bus } = setup('fifo');
    await registry.announce({
      id: 'good',
      type: 'people',
      source: 'x',
      state: 'live',
      host: 'test',
    });
    const { results, close } = await collect(bus, '*');
    const worker = await startWorker(config, 'w-bad');
    const corrupt = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      Buffer.alloc(3000, 0x42),
    ]);
    await queue.push(frame('good', 0, corrupt));
    await queue.push({ ...frame('good', 1), width: 640, height: 480 }); // header lies about the size
    await queue.push(frame('stranger', 0)); // no producer announced it
    await queue.push(frame('good', 2));
    await until(() => results.length === 1);
    expect(results[0]).toMatchObject({ streamId: 'good', seq: 2 });
    expect(await metric(worker, 'ei_errors_total', 'kind="image"')).toBe(2);
    expect(await metric(worker, 'ei_errors_total', 'kind="unknown-stream"')).toBe(1);
    await worker.shutdown();
    await close();
  });

  it("keeps its queue's stats to live streams: counters of gone streams are retired", async () => {
    const { config, queue } = setup('fifo');
    // A stream no producer announces (or one whose producer died) leaves counters behind.
    for (let seq = 0; seq < 3; seq++) await queue.push(frame('stranger', seq));
    const worker = await startWorker(config, 'w-prune');
    await until(async () => (await queue.stats()).perStream.stranger === undefined);
    const stats = await queue.stats();
    expect(stats.retired).toEqual({ pushed: 3, dropped: 0 });
    expect(stats.pushed).toBe(3);
    await worker.shutdown();
  });

  it('Redis down: not ready, no crash; back: ready and inferring again', async () => {
    const own = await startPrivateRedis();
    const config = parseConfig(
      { redis: { url: own.url }, types: { people: { policy: 'fifo', classes: ['person'] } } },
      { env: {} },
    );
    const worker = await startWorker(config, 'w-outage');
    const ready = async () => (await ops(worker, '/readyz')).status;
    await until(async () => (await ready()) === 200);
    const restarting = own.restart({ downMs: 1500 });
    await until(async () => (await ready()) === 503, 10_000);
    await restarting;
    await until(async () => (await ready()) === 200, 20_000);
    const client = createRedis({ url: own.url });
    await waitUntilReady(client);
    await new StreamRegistry({ redis: client }).announce({
      id: 'cam',
      type: 'people',
      source: 'x',
      state: 'live',
      host: 't',
    });
    const bus = new ResultBus({ redis: client });
    const { results, close } = await collect(bus, ['cam']);
    await new FrameQueue({ redis: client, type: 'people', policy: 'fifo', cap: 10 }).push(
      frame('cam', 7),
    );
    await until(() => results.length === 1, 20_000);
    expect(results[0]?.seq).toBe(7);
    await worker.shutdown();
    await close();
    client.disconnect();
    await own.stop();
  });

  it('SIGTERM mid-stream: the process finishes and publishes every frame it took, exits 0', async () => {
    const { queue, registry, bus, keyPrefix } = setup('fifo', 1000);
    await registry.announce({
      id: 'cam',
      type: 'people',
      source: 'x',
      state: 'live',
      host: 'test',
    });
    const { results, close } = await collect(bus, ['cam']);
    for (let seq = 0; seq < 30; seq++) await queue.push(frame('cam', seq));
    const child = spawn(
      process.execPath,
      [CLI, 'worker', '--type', 'people', '--metrics-port', String(await freePort())],
      {
        env: {
          ...process.env,
          REDIS_URL: server.url,
          EI_KEY_PREFIX: keyPrefix,
          LOG_FORMAT: 'json',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    await until(() => results.length >= 3, 60_000);
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const exitMs = Date.now() - signalledAt;
    expect(code, stderr).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stats = await queue.stats();
    // Nothing lost: every frame is either published or still waiting in the queue.
    expect(results.length + stats.waiting.fifo).toBe(30);
    expect(new Set(results.map((r) => r.seq)).size).toBe(results.length);
    console.log(
      `worker exited ${exitMs} ms after SIGTERM with ${results.length} published, ${stats.waiting.fifo} waiting`,
    );
    await close();
  });

  it('refuses to start on a missing model or a sha256 mismatch, with a clear message', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ei-models-'));
    const run = (args: string[], env: NodeJS.ProcessEnv = {}) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [CLI, 'worker', '--type', 'people', '--metrics-port', '0', ...args],
          {
            env: { ...process.env, REDIS_URL: server.url, ...env },
            stdio: ['ignore', 'ignore', 'pipe'],
          },
        );
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.once('exit', (code) => resolve({ code, stderr }));
      });
    const empty = await run(['--models-dir', dir]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/unknown model "nanodet".*ei models prepare/);
    expect(empty.stderr).not.toMatch(/\n\s+at /);
    // A tampered file: same manifest, different bytes.
    const models = defaultModelsDirectory();
    await copyFile(join(models, 'manifest.json'), join(dir, 'manifest.json'));
    const onnx = await readFile(join(models, 'nanodet.onnx'));
    onnx.writeUInt8(onnx.readUInt8(onnx.length - 1) ^ 0xff, onnx.length - 1);
    await writeFile(join(dir, 'nanodet.onnx'), onnx);
    const tampered = await run(['--models-dir', dir]);
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/sha256/);
    expect(tampered.stderr).not.toMatch(/\n\s+at /);
    // The manifest edited to match the tampered bytes: the pinned sha256 still refuses them.
    const manifest = JSON.parse(
      await readFile(join(dir, 'manifest.json'), 'utf8'),
    ) as ModelManifest;
    manifest.models.nanodet!.sha256 = sha256Hex(onnx);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
    const matching = await run(['--models-dir', dir]);
    expect(matching.code).toBe(1);
    expect(matching.stderr).toContain(
      `model nanodet: the manifest says sha256 ${sha256Hex(onnx)}, but this version of the platform ships nanodet with sha256 ${PINNED_SHA256.nanodet}`,
    );
    expect(matching.stderr).not.toMatch(/\n\s+at /);
  }, 120_000); // three worker processes, one after the other
});

describe('inference worker faults', () => {
  /** Runs `ei worker` with a config file; resolves with its exit status and stderr. */
  async function runWorkerProcess(
    config: string,
    env: NodeJS.ProcessEnv,
  ): Promise<{ code: number | null; stderr: string }> {
    const dir = await mkdtemp(join(tmpdir(), 'ei-config-'));
    await writeFile(join(dir, 'ei.yaml'), config);
    return new Promise((resolve) => {
      const child = spawn(
        process.execPath,
        [
          CLI,
          'worker',
          '--type',
          'people',
          '--metrics-port',
          '0',
          '--config',
          join(dir, 'ei.yaml'),
        ],
        {
          env: { ...process.env, REDIS_URL: server.url, ...env },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('exit', (code) => resolve({ code, stderr }));
    });
  }

  it('refuses a model whose outputs do not fit its decoder, naming both, before taking a frame', async () => {
    const { queue, keyPrefix } = setup('fifo');
    await queue.push(frame('cam', 0));
    const nanodet = join(defaultModelsDirectory(), 'nanodet.onnx');
    const run = await runWorkerProcess(
      [
        'models:',
        '  six-outputs:',
        `    path: ${nanodet}`,
        '    decoder: yolo',
        '    labels: [person, bicycle, car]',
        'types:',
        '  people: { model: six-outputs, policy: fifo }',
        '',
      ].join('\n'),
      { EI_KEY_PREFIX: keyPrefix },
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('model six-outputs: its outputs do not fit the "yolo" decoder');
    expect(run.stderr).toContain('expected one output, the model has 6');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect((await queue.stats()).waiting.fifo).toBe(1); // the frame is still there for others
  });

  it('its inference thread dies mid-stream: each frame published or counted, thread restarted, frames flow again', async () => {
    const { config, queue, registry, bus } = setup('fifo', 1000);
    await registry.announce({ id: 'cam', type: 'people', source: 'x', state: 'live', host: 't' });
    const { results, close } = await collect(bus, ['cam']);
    const worker = await startWorker(config, 'w-thread');
    for (let seq = 0; seq < 2; seq++) await queue.push(frame('cam', seq));
    await until(() => results.length === 2);
    for (let seq = 2; seq < 8; seq++) await queue.push(frame('cam', seq));
    await (worker.detector.runner as InferenceThread).crashThread();
    // The frames whose inference was waiting on the dead thread are counted and skipped.
    const failed = () => metric(worker, 'ei_errors_total', 'kind="inference"');
    await until(
      async () => (await queue.stats()).waiting.fifo === 0 && worker.worker.framesInHand === 0,
    );
    await until(async () => results.length + (await failed()) === 8);
    expect(await metric(worker, 'ei_errors_total', 'kind="inference-thread"')).toBe(1);
    for (let seq = 8; seq < 11; seq++) await queue.push(frame('cam', seq));
    await until(() => results.some((r) => r.seq === 10), 60_000);
    expect(results.filter((r) => r.seq >= 8).map((r) => r.seq)).toEqual([8, 9, 10]);
    expect((await ops(worker, '/healthz')).status).toBe(200);
    console.log(`thread died with ${await failed()} inference(s) waiting on it`);
    await worker.shutdown();
    await close();
  });

  it('gives up when the thread dies again and again: /healthz fails and the worker reports it', async () => {
    const { config } = setup('fifo');
    const worker = await startWorker(config, 'w-giveup');
    const thread = worker.detector.runner as InferenceThread;
    // No frame in between, so no run succeeds: the fourth death in a row is the last.
    for (let death = 0; death < 4; death++) await thread.crashThread();
    const error = await worker.failed;
    expect(error.message).toContain('died 4 times in a row');
    expect((await ops(worker, '/healthz')).status).toBe(503);
    expect(await metric(worker, 'ei_errors_total', 'kind="inference-thread"')).toBe(4);
    await worker.shutdown();
  });

  it('counts and skips frames whose outputs cannot be decoded, and goes on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ei-flaky-'));
    const model = join(dir, 'flaky.onnx');
    await writeFile(model, contentDependentSsdModel());
    const { queue, registry, bus, keyPrefix } = setup('fifo');
    const config = parseConfig(
      {
        redis: { url: server.url, keyPrefix },
        models: { flaky: { path: model, decoder: 'ssd', labels: ['thing'] } },
        types: { people: { policy: 'fifo', model: 'flaky' } },
      },
      { env: {} },
    );
    await registry.announce({ id: 'cam', type: 'people', source: 'x', state: 'live', host: 't' });
    const { results, close } = await collect(bus, ['cam']);
    const worker = await startWorker(config, 'w-flaky');
    const [white, grey] = await Promise.all(
      ['white-64x48.jpg', 'grey-64x48.jpg'].map((file) => readFile(new URL(file, FIXTURES))),
    );
    const small = (seq: number, data: Buffer): Frame => ({
      ...frame('cam', seq, data),
      width: 64,
      height: 48,
    });
    for (const [seq, data] of [white, grey, white, grey].entries())
      await queue.push(small(seq, data!));
    await until(() => results.length === 2);
    expect(results.map((r) => r.seq)).toEqual([1, 3]);
    expect(await metric(worker, 'ei_errors_total', 'kind="postprocess"')).toBe(2);
    await worker.shutdown();
    await close();
  });

  it('refuses an image larger than limits.maxImagePixels from its header, counted, and goes on', async () => {
    const { config, queue, registry, bus } = setup('fifo');
    await registry.announce({ id: 'cam', type: 'people', source: 'x', state: 'live', host: 't' });
    const { results, close } = await collect(bus, ['cam']);
    const worker = await startWorker(config, 'w-huge');
    const huge = jpegClaimingSize(jpegs[0]!, 20_000, 20_000);
    await queue.push({ ...frame('cam', 0, huge), width: 20_000, height: 20_000 });
    await queue.push(frame('cam', 1));
    await until(() => results.length === 1);
    expect(results[0]?.seq).toBe(1);
    expect(await metric(worker, 'ei_errors_total', 'kind="image-too-large"')).toBe(1);
    expect(await metric(worker, 'ei_errors_total', 'kind="image"')).toBe(0);
    await worker.shutdown();
    await close();
  });

  it('/healthz turns 503 while the frame loop is stuck, and 200 once it moves again', async () => {
    const own = await startPrivateRedis();
    const config = parseConfig(
      {
        redis: { url: own.url },
        worker: { stallTimeoutMs: 1000 },
        types: { people: { policy: 'fifo', classes: ['person'] } },
      },
      { env: {} },
    );
    const worker = await startWorker(config, 'w-stuck');
    const health = async () => (await ops(worker, '/healthz')).status;
    await until(async () => (await health()) === 200 && worker.worker.ready);
    // Redis answers nothing for 6 s: the worker's wait for a frame never returns meanwhile.
    const client = createRedis({ url: own.url });
    await waitUntilReady(client);
    await client.call('CLIENT', 'PAUSE', '6000', 'ALL');
    await until(async () => (await health()) === 503, 10_000);
    await until(async () => (await health()) === 200, 20_000);
    await worker.shutdown();
    client.disconnect();
    await own.stop();
  });
});

/**
 * A real ONNX detector of the SSD layout whose output sizes depend on the image: `scores`
 * and `classes` get one entry per input value above 0.9 (white pixels), `boxes` has none.
 * A grey image gives three empty outputs that agree (and passes the check at load); a
 * white one gives outputs that disagree, which the decoder refuses for that frame only.
 */
function contentDependentSsdModel(): Uint8Array {
  const builder = new OnnxGraphBuilder();
  const threshold = builder.addFloatInitializer('threshold', {
    dtype: 'float32',
    shape: [],
    data: Float32Array.of(0.9),
  });
  const [bright] = builder.addNode('Greater', ['image', threshold], ['bright']);
  const [where] = builder.addNode('NonZero', [bright!], ['where']);
  const [row] = builder.addNode(
    'Slice',
    [
      where!,
      builder.addInt64Initializer('starts', [1], [0]),
      builder.addInt64Initializer('ends', [1], [1]),
      builder.addInt64Initializer('axes', [1], [0]),
    ],
    ['row'],
  );
  builder.addNode('Cast', [row!], ['scores'], { to: 1 });
  builder.addNode('Cast', [row!], ['classes'], { to: 1 });
  const none = builder.addFloatInitializer('no_boxes', {
    dtype: 'float32',
    shape: [1, 0, 4],
    data: new Float32Array(0),
  });
  builder.addNode('Identity', [none], ['boxes']);
  return builder.encode(
    [{ name: 'image', shape: [1, 3, 32, 32] }],
    [
      { name: 'boxes', shape: [1, 0, 4] },
      { name: 'scores', shape: [1, -1] },
      { name: 'classes', shape: [1, -1] },
    ],
    {},
    'content-dependent-ssd',
  );
}
