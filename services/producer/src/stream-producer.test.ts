import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  createLogger,
  createMetrics,
  createRedis,
  FrameConsumer,
  FrameQueue,
  StreamRegistry,
  type Frame,
  type QueuePolicy,
  type Redis,
} from '@ei/core';
import {
  freePort,
  startPrivateRedis,
  startPrivateRedisWithClient,
  waitFor,
  type PrivateRedis,
} from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateFfmpeg } from './ffmpeg/locate-ffmpeg.js';
import { createProducerMetrics, type ProducerMetrics } from './metrics/producer-metrics.js';
import { StreamProducer, type ProducedStreamConfig } from './stream-producer.js';
import { FIXTURE_CLIP, FIXTURE_CLIP_FRAMES } from './testing/fixtures.js';
import { MjpegHttpServer } from './testing/mjpeg-http-server.js';
import { RtspTestServer } from './testing/rtsp-test-server.js';

const ffmpegPath = locateFfmpeg().path;
const logger = createLogger({ name: 'producer-test', level: 'silent' });

let redis: PrivateRedis;
let client: Redis;
beforeAll(async () => ({ server: redis, redis: client } = await startPrivateRedisWithClient()));
afterAll(() => redis.stop());

interface Harness {
  producer: StreamProducer;
  registry: StreamRegistry;
  metrics: ProducerMetrics;
  consumer: FrameConsumer;
  queue: FrameQueue;
  /** Settles when `start()` does; `finished` turns true then. */
  run: Promise<void>;
  finished: () => boolean;
  close(): Promise<void>;
}

/** A producer on its own key prefix, started, with a consumer of its type's queue. */
function startProducer(
  stream: Omit<ProducedStreamConfig, 'type'>,
  policy: QueuePolicy,
  cap = 64,
  maxFrameBytes?: number,
): Harness {
  const keyPrefix = `t-${randomUUID().slice(0, 8)}:`;
  const queue = new FrameQueue({
    redis: client,
    type: 'people',
    policy,
    cap,
    keyPrefix,
    maxFrameBytes,
  });
  const registry = new StreamRegistry({ redis: client, keyPrefix, ttlMs: 5000 });
  const metrics = createProducerMetrics(
    createMetrics({ service: 'producer', defaultMetrics: false }),
  );
  const producer = new StreamProducer({
    stream: { ...stream, type: 'people' },
    queue,
    registry,
    metrics,
    logger,
    ffmpegPath,
    heartbeatMs: 200,
    backoff: { initialMs: 200, maxMs: 800 },
    stallTimeoutMs: 3000,
  });
  const consumer = new FrameConsumer({ redis: client, type: 'people', keyPrefix });
  let finished = false;
  const run = producer.start().finally(() => (finished = true));
  return {
    producer,
    registry,
    metrics,
    consumer,
    queue,
    run,
    finished: () => finished,
    close: async () => {
      await producer.stop();
      await consumer.close();
      await queue.close();
    },
  };
}

async function take(consumer: FrameConsumer, count: number, timeoutMs = 20_000): Promise<Frame[]> {
  const frames: Frame[] = [];
  const deadline = Date.now() + timeoutMs;
  while (frames.length < count && Date.now() < deadline) {
    const popped = await consumer.pop(1000);
    if (popped) frames.push(popped.frame);
  }
  return frames;
}

/** Size of a JPEG as ffprobe (not our own parser) reads it. */
function probeSize(jpeg: Buffer): string {
  const result = spawnSync(
    'ffprobe',
    ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', '-'],
    { input: jpeg },
  );
  return result.stdout.toString().trim().replace(',', 'x');
}

async function metricValue(
  metrics: ProducerMetrics,
  name: string,
  stream: string,
): Promise<number> {
  const text = await metrics.core.registry.metrics();
  const line = text
    .split('\n')
    .find((row) => row.startsWith(`${name}{`) && row.includes(`stream="${stream}"`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('StreamProducer on a file', () => {
  it('lossless: queues every frame once, in order, scaled, untouched JPEG, waiting for the consumer', async () => {
    const h = startProducer(
      { name: 'clip-lossless', source: FIXTURE_CLIP, maxWidth: 320 },
      'lossless',
      4,
    );
    try {
      const live = await waitFor('registry entry', async () => {
        const info = await h.registry.get('clip-lossless');
        return info?.state === 'live' ? info : undefined;
      });
      expect(live).toMatchObject({ type: 'people', source: FIXTURE_CLIP, width: 320, height: 240 });
      // The queue holds 4 frames: the producer must be waiting, not dropping, until we read.
      await waitFor('a full queue', async () => (await h.queue.stats()).waiting.lossless === 4);
      expect(h.finished()).toBe(false);

      const frames = await take(h.consumer, FIXTURE_CLIP_FRAMES);
      await h.run;
      expect(frames.map((frame) => frame.seq)).toEqual([...Array(FIXTURE_CLIP_FRAMES).keys()]);
      for (const frame of frames) {
        expect(frame).toMatchObject({
          streamId: 'clip-lossless',
          type: 'people',
          width: 320,
          height: 240,
        });
        expect(frame.data.subarray(0, 2).toString('hex')).toBe('ffd8');
        expect(frame.data.subarray(-2).toString('hex')).toBe('ffd9');
      }
      expect(probeSize(frames[17]!.data)).toBe('320x240');
      expect(frames[39]!.captureTs).toBeGreaterThanOrEqual(frames[0]!.captureTs);
      const stats = await h.queue.stats();
      expect(stats).toMatchObject({ pushed: FIXTURE_CLIP_FRAMES, dropped: 0 });
      expect(await metricValue(h.metrics, 'ei_produced_frames_total', 'clip-lossless')).toBe(
        FIXTURE_CLIP_FRAMES,
      );
      expect(h.producer.status()).toMatchObject({ state: 'stopped', produced: 40, dropped: 0 });
      // A finished file leaves the registry at once, not after the TTL.
      expect(await h.registry.get('clip-lossless')).toBeUndefined();
    } finally {
      await h.close();
    }
  });

  it('real time at --fps, looping past the end of the file until stopped', async () => {
    const h = startProducer(
      { name: 'clip-loop', source: FIXTURE_CLIP, fps: 5, loop: true },
      'fifo',
      1000,
    );
    try {
      // One pass of the 4 s clip at 5 fps is 20 frames; 26 need the loop.
      const frames = await take(h.consumer, 26);
      expect(frames.map((frame) => frame.seq)).toEqual([...Array(26).keys()]);
      expect(frames.every((frame) => frame.width === 640 && frame.height === 480)).toBe(true);
      // Paced, not as fast as ffmpeg decodes (which takes well under a second here).
      expect(frames[25]!.captureTs - frames[0]!.captureTs).toBeGreaterThan(4000);
      expect(h.finished()).toBe(false);
      await h.producer.stop();
      await h.run;
      expect(await h.registry.get('clip-loop')).toBeUndefined();
      expect(await metricValue(h.metrics, 'ei_producer_reconnects_total', 'clip-loop')).toBe(0);
    } finally {
      await h.close();
    }
  });
  it('drops and counts frames larger than limits.maxFrameBytes instead of retrying them for ever', async () => {
    const h = startProducer({ name: 'clip-huge', source: FIXTURE_CLIP }, 'lossless', 64, 2048);
    try {
      await h.run;
      expect(h.producer.status()).toMatchObject({
        state: 'stopped',
        captured: FIXTURE_CLIP_FRAMES,
        produced: 0,
        dropped: FIXTURE_CLIP_FRAMES,
      });
      const drops = await h.metrics.core.registry.getSingleMetricAsString(
        'ei_producer_dropped_frames_total',
      );
      expect(drops).toContain(`reason="too-large",service="producer"} ${FIXTURE_CLIP_FRAMES}`);
      expect((await h.queue.stats()).pushed).toBe(0);
    } finally {
      await h.close();
    }
  });
});

describe('StreamProducer on cameras', () => {
  it('HTTP MJPEG: goes live, retries while the camera is gone, resumes when it returns', async () => {
    const camera = new MjpegHttpServer(await freePort(), ffmpegPath);
    await camera.start();
    const h = startProducer({ name: 'cam-http', source: camera.url }, 'latest');
    try {
      await waitFor('live', async () => (await h.registry.get('cam-http'))?.state === 'live');
      await waitFor('frames', () => h.producer.status().produced >= 5);
      expect(h.producer.status()).toMatchObject({ width: 320, height: 240 });

      await camera.stop();
      const retrying = await waitFor('retrying', async () => {
        const info = await h.registry.get('cam-http');
        return info?.state === 'retrying' && (info.reconnects ?? 0) >= 1 ? info : undefined;
      });
      expect(retrying.lastError).toMatch(/refused|ended|error|failed/i);
      expect(h.finished()).toBe(false);
      expect(
        await metricValue(h.metrics, 'ei_capture_errors_total', 'cam-http'),
      ).toBeGreaterThanOrEqual(1);

      await camera.start();
      const before = h.producer.status().produced;
      const back = await waitFor('live again', async () => {
        const info = await h.registry.get('cam-http');
        return info?.state === 'live' ? info : undefined;
      });
      expect(back.lastError).toBeUndefined();
      await waitFor('frames again', () => h.producer.status().produced > before + 5);
      expect(h.finished()).toBe(false);
      expect(
        await metricValue(h.metrics, 'ei_producer_reconnects_total', 'cam-http'),
      ).toBeGreaterThanOrEqual(1);
      const states = await h.metrics.core.registry.getSingleMetricAsString(
        'ei_producer_stream_state',
      );
      expect(states).toContain(
        'stream="cam-http",type="people",state="live",service="producer"} 1',
      );
      expect(states).toContain(
        'stream="cam-http",type="people",state="retrying",service="producer"} 0',
      );
    } finally {
      await h.close();
      await camera.stop();
    }
  });

  it('RTSP: a real RTSP session, killed and restarted, without the producer exiting', async () => {
    const camera = new RtspTestServer(await freePort());
    await camera.start();
    const h = startProducer({ name: 'cam-rtsp', source: camera.url, maxWidth: 160 }, 'latest');
    try {
      await waitFor('live', async () => (await h.registry.get('cam-rtsp'))?.state === 'live');
      await waitFor('frames', () => h.producer.status().produced >= 5);
      const [frame] = await take(h.consumer, 1);
      expect(frame).toMatchObject({ streamId: 'cam-rtsp', width: 160, height: 120 });
      expect(probeSize(frame!.data)).toBe('160x120');

      await camera.stop();
      await waitFor(
        'retrying',
        async () => (await h.registry.get('cam-rtsp'))?.state === 'retrying',
      );
      await camera.start();
      const before = h.producer.status().produced;
      await waitFor('live again', async () => (await h.registry.get('cam-rtsp'))?.state === 'live');
      await waitFor('frames again', () => h.producer.status().produced > before + 5);
      expect(h.producer.status().reconnects).toBeGreaterThanOrEqual(1);
      expect(h.finished()).toBe(false);
    } finally {
      await h.close();
      await camera.stop();
    }
  });

  it('an unreachable camera: retrying with the error in the registry, retried over and over, no exit', async () => {
    const port = await freePort();
    const h = startProducer(
      { name: 'cam-nowhere', source: `http://admin:s3cret@127.0.0.1:${port}/video.mjpg` },
      'latest',
    );
    try {
      const info = await waitFor('several retries', async () => {
        const current = await h.registry.get('cam-nowhere');
        return current?.state === 'retrying' && (current.reconnects ?? 0) >= 3
          ? current
          : undefined;
      });
      expect(info.lastError).toMatch(/Connection refused/i);
      // Camera credentials never reach the registry, neither in the source nor in errors.
      expect(info.source).toBe(`http://admin:***@127.0.0.1:${port}/video.mjpg`);
      expect(JSON.stringify(info)).not.toContain('s3cret');
      expect(h.producer.status()).toMatchObject({ state: 'retrying', produced: 0 });
      expect(h.finished()).toBe(false);
      expect(
        await metricValue(h.metrics, 'ei_capture_errors_total', 'cam-nowhere'),
      ).toBeGreaterThanOrEqual(3);
      await h.producer.stop();
      expect(await h.registry.get('cam-nowhere')).toBeUndefined();
    } finally {
      await h.close();
    }
  });
});

describe('StreamProducer when Redis goes away', () => {
  it('drops and counts frames instead of buffering them, and resumes pushing when Redis is back', async () => {
    const own = await startPrivateRedis();
    const ownClient = createRedis({ url: own.url });
    ownClient.on('error', () => undefined); // the outage is the point of the test
    const keyPrefix = 'outage:';
    const queue = new FrameQueue({
      redis: ownClient,
      type: 'people',
      policy: 'latest',
      cap: 8,
      keyPrefix,
    });
    const registry = new StreamRegistry({ redis: ownClient, keyPrefix, ttlMs: 5000 });
    const metrics = createProducerMetrics(
      createMetrics({ service: 'producer', defaultMetrics: false }),
    );
    const producer = new StreamProducer({
      stream: { name: 'clip-outage', source: FIXTURE_CLIP, type: 'people', loop: true },
      queue,
      registry,
      metrics,
      logger,
      ffmpegPath,
      heartbeatMs: 200,
    });
    let finished = false;
    const run = producer.start().finally(() => (finished = true));
    try {
      await waitFor('frames', () => producer.status().produced >= 5);
      await own.restart({ downMs: 1500 });
      await waitFor(
        'drops counted',
        async () =>
          (await metricValue(metrics, 'ei_producer_dropped_frames_total', 'clip-outage')) >= 1,
      );
      const droppedLine = (
        await metrics.core.registry.getSingleMetricAsString('ei_producer_dropped_frames_total')
      )
        .split('\n')
        .find((line) => line.includes('reason="redis"'));
      expect(Number(droppedLine?.split(' ').pop())).toBeGreaterThanOrEqual(1);
      const producedAfterRestart = producer.status().produced;
      await waitFor('pushes again', () => producer.status().produced > producedAfterRestart + 5);
      await waitFor(
        'announced again',
        async () => (await registry.get('clip-outage'))?.state === 'live',
      );
      const errors = await metrics.core.registry.getSingleMetricAsString('ei_errors_total');
      expect(errors).toMatch(/kind="redis",service="producer"} [1-9]/);
      expect(finished).toBe(false);
    } finally {
      await producer.stop();
      await run;
      await queue.close();
      ownClient.disconnect();
      await own.stop();
    }
  });
});
