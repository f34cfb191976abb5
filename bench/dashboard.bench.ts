/**
 * pnpm bench:dashboard [-- --minutes N] — the dashboard's budgets, measured in Debian's
 * Chromium (headless, software rendering: --disable-gpu) against a real gateway:
 *
 *   js         gzipped size of every JavaScript file of dashboard/dist (budget < 200 KB);
 *   mainThread share of wall time the renderer's main thread spends in tasks
 *              (CDP Performance.getMetrics TaskDuration delta / wall time) while 16 tiles
 *              show 16 streams at 15 fps, all tiles in the viewport (budget < 50 %);
 *   memory     JS heap (after a forced GC), DOM nodes, event listeners and open bitmaps
 *              after warm-up against the end of the run (budget: growth < 10 %).
 *
 * The 240 results per second are synthetic but travel the real path: a real 640x480 JPEG
 * (services/core/src/testing/fixtures/frame-640x480.jpg) with plausible moving person
 * boxes, published through the real ResultBus into Redis, relayed by the real gateway over
 * its websocket. The 16 streams are announced in the stream registry and two workers
 * report to the worker registry, so the grid and the cluster panel are as in production.
 * `frames` says how much of the load reached the screen: published, relayed by the gateway,
 * skipped by it because the page read too slowly, received and painted by the page.
 *
 * This process runs the publisher and the gateway; Redis and Chromium run beside it on the
 * same machine: on 2 cores the main-thread figure includes time waiting for a core
 * (`threadCpuShare` is the CPU time alone). Writes bench/results/dashboard.json.
 * Also: --streams N, --fps N, and for digging: --trace <file>, --cpu-profile <file>,
 * --heap-snapshots <dir>.
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import {
  ResultBus,
  StreamRegistry,
  WorkerRegistry,
  type Detection,
  type InferenceResult,
} from '@ei/core';
import { sampleJpeg } from '@ei/core/testing';
import { launchChromium } from '../dashboard/e2e/browser.js';
import { ensureDashboardBuilt, gzippedJs } from '../dashboard/e2e/dashboard-build.js';
import type { DashboardDiagnostics, PageGlobals } from '../dashboard/e2e/page-globals.js';
import { startPlatform, waitFor } from '../dashboard/e2e/platform.js';

const args = process.argv.slice(2);
const flag = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? Number(args[at + 1]) : fallback;
};
const MINUTES = flag('minutes', 5);
const STREAMS = flag('streams', 16);
const FPS = flag('fps', 15);
const WARMUP_S = Math.min(30, Math.max(10, MINUTES * 60 * 0.1));
/** --trace <file>: a Chrome trace of 5 s after warm-up, for chrome://tracing or Perfetto. */
const TRACE = args.includes('--trace') ? args[args.indexOf('--trace') + 1] : undefined;
/** --heap-snapshots <dir>: the page's heap after warm-up and at the end, to compare in DevTools. */
const HEAP_DIR = args.includes('--heap-snapshots')
  ? args[args.indexOf('--heap-snapshots') + 1]
  : undefined;
/** --cpu-profile <file>: a V8 CPU profile of the page, 5 s after warm-up (DevTools loads it). */
const CPU_PROFILE = args.includes('--cpu-profile')
  ? args[args.indexOf('--cpu-profile') + 1]
  : undefined;
const BUDGET = { jsGzipBytes: 200 * 1024, mainThreadBusy: 0.5, memoryGrowth: 0.1 };

const round = (value: number, digits = 3): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

ensureDashboardBuilt();
const js = gzippedJs();
console.log(`js: ${js.totalBytes} B gzipped in ${Object.keys(js.files).length} files`);

const platform = await startPlatform();
const browser = await launchChromium();
const jpeg = sampleJpeg();
const bus = new ResultBus({ redis: platform.redis, keyPrefix: platform.config.redis.keyPrefix });
const streamIds = Array.from(
  { length: STREAMS },
  (_, i) => `cam-${String(i + 1).padStart(2, '0')}`,
);
const registry = new StreamRegistry({
  redis: platform.redis,
  keyPrefix: platform.config.redis.keyPrefix,
});
const heartbeats = streamIds.map((id, i) =>
  registry.keepAlive(
    {
      id,
      type: i % 4 === 3 ? 'car' : 'people',
      source: `rtsp://admin:secret@10.0.0.${i + 10}/stream1`,
      state: 'live',
      host: 'bench',
      width: 640,
      height: 480,
      fps: FPS,
    },
    2000,
  ),
);
const workers = new WorkerRegistry({
  redis: platform.redis,
  keyPrefix: platform.config.redis.keyPrefix,
});
const reportWorkers = (): void => {
  for (const type of ['people', 'car']) {
    const share = type === 'people' ? 0.75 : 0.25;
    void workers.report({
      id: `bench-${type}-1`,
      type,
      host: 'bench',
      model: 'nanodet',
      state: 'ready',
      inferFps: STREAMS * FPS * share,
      dropFps: 0,
      scaleRatio: 0.8,
      inferenceMs: 20,
    });
  }
};
reportWorkers();
const workerTimer = setInterval(reportWorkers, 2000);

/** People walking across the frame: 2 to 5 boxes, moving with the sequence number. */
function detections(stream: number, seq: number): Detection[] {
  const count = 2 + ((stream + Math.floor(seq / 45)) % 4);
  return Array.from({ length: count }, (_, k) => {
    const x = (((seq + k * 37 + stream * 11) % 150) / 150) * 0.85;
    const y = 0.25 + ((k * 0.13 + stream * 0.05) % 0.45);
    return {
      label: k === 3 ? 'bicycle' : 'person',
      classId: k === 3 ? 1 : 0,
      score: 0.5 + ((seq + k) % 45) / 100,
      box: [x, y, x + 0.08, y + 0.22] as [number, number, number, number],
    };
  });
}

let published = 0;
let publishErrors = 0;
const seqs = new Array<number>(STREAMS).fill(0);
const slotMs = 1000 / (FPS * STREAMS);
let nextDue = performance.now();
let slot = 0;
// Publishes are spread evenly over each frame period, as independent cameras would be.
const publisher = setInterval(() => {
  const now = performance.now();
  if (now - nextDue > 1000) nextDue = now; // never burst after a stall
  while (nextDue <= now) {
    const stream = slot % STREAMS;
    const seq = seqs[stream]!++;
    const at = Date.now();
    const result: InferenceResult = {
      streamId: streamIds[stream]!,
      type: stream % 4 === 3 ? 'car' : 'people',
      seq,
      captureTs: at - 45,
      dequeuedTs: at - 38,
      publishedTs: at,
      width: 640,
      height: 480,
      detections: detections(stream, seq),
      timings: { queueWaitMs: 3, preprocessMs: 9, inferenceMs: 24, postprocessMs: 1 },
      model: { name: 'nanodet', version: '3.0.4-ei1', sha256: '0'.repeat(64) },
      workerId: 'bench-people-1',
    };
    bus.publish(result, jpeg).then(
      () => published++,
      () => publishErrors++,
    );
    slot++;
    nextDue += slotMs;
  }
}, 4);

/** The gateway's relay counters: frames it sent to the page, and skipped because the page lagged. */
async function relayCounters(): Promise<{ sent: number; skipped: number }> {
  const text = await (await fetch(platform.metricsUrl)).text();
  const value = (name: string) =>
    Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    sent: value('ei_gateway_ws_frames_sent_total'),
    skipped: value('ei_gateway_ws_frames_skipped_total'),
  };
}

type Metrics = Record<string, number>;
const samples: { atS: number; metrics: Metrics; diagnostics: DashboardDiagnostics }[] = [];

try {
  const page = await browser.newPage({ viewport: { width: 1920, height: 1500 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'timeTicks' });
  const metrics = async (): Promise<Metrics> => {
    const { metrics: list } = await cdp.send('Performance.getMetrics');
    return Object.fromEntries(list.map((m) => [m.name, m.value]));
  };
  const diagnostics = () =>
    page.evaluate(() => (globalThis as unknown as PageGlobals).eiDiagnostics());
  const gc = () => cdp.send('HeapProfiler.collectGarbage');
  const snapshot = async (name: string): Promise<void> => {
    if (!HEAP_DIR) return;
    const chunks: string[] = [];
    const collect = (event: { chunk: string }) => chunks.push(event.chunk);
    cdp.on('HeapProfiler.addHeapSnapshotChunk', collect);
    await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    cdp.off('HeapProfiler.addHeapSnapshotChunk', collect);
    await writeFile(`${HEAP_DIR}/${name}.heapsnapshot`, chunks.join(''));
  };

  await page.goto(platform.baseUrl);
  await waitFor(
    `${STREAMS} tiles drawing`,
    async () => (await page.locator('[data-stream][data-has-frame="true"]').count()) === STREAMS,
    30_000,
  );
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  console.log(`warm-up ${WARMUP_S} s, then ${MINUTES} min measured`);
  await sleep(WARMUP_S * 1000);
  if (TRACE) {
    await browser.startTracing(page, {
      path: TRACE,
      categories: [
        'devtools.timeline',
        'disabled-by-default-devtools.timeline',
        'v8.execute',
        'blink',
        'cc',
        'gpu',
        'toplevel',
      ],
    });
    await sleep(5000);
    await browser.stopTracing();
    console.log(`trace written to ${TRACE}`);
  }
  if (CPU_PROFILE) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
    await cdp.send('Profiler.start');
    await sleep(5000);
    const { profile } = await cdp.send('Profiler.stop');
    await writeFile(CPU_PROFILE, JSON.stringify(profile));
    console.log(`CPU profile written to ${CPU_PROFILE}`);
  }

  await gc();
  await snapshot('after-warmup');
  const relayAtWarm = await relayCounters();
  const publishedAtWarm = published;
  const warm = { metrics: await metrics(), diagnostics: await diagnostics(), atS: elapsed() };
  samples.push(warm);
  const measureStart = performance.now();
  const end = measureStart + MINUTES * 60_000;
  while (performance.now() < end) {
    await sleep(Math.min(30_000, end - performance.now()));
    // A full GC before each sample (a few ms on a heap this small): the heap trend then
    // shows what is kept, not what awaits collection.
    await gc();
    const sample = { metrics: await metrics(), diagnostics: await diagnostics(), atS: elapsed() };
    samples.push(sample);
    const m = sample.metrics;
    const busy =
      (m.TaskDuration! - warm.metrics.TaskDuration!) / (m.Timestamp! - warm.metrics.Timestamp!);
    console.log(
      `${Math.round(sample.atS)} s: main thread busy ${(busy * 100).toFixed(1)} %, heap ${(m.JSHeapUsedSize! / 1e6).toFixed(1)} MB, nodes ${m.Nodes}, bitmaps ${sample.diagnostics.openBitmaps}, painted ${sample.diagnostics.painted}`,
    );
  }
  const last = samples.at(-1)!;
  await snapshot('end');
  const relayAtEnd = await relayCounters();
  const publishedInRun = published - publishedAtWarm;
  const endMetrics = last.metrics;
  const wallS = last.metrics.Timestamp! - warm.metrics.Timestamp!;
  const delta = (name: string) => last.metrics[name]! - warm.metrics[name]!;
  const busyShare = delta('TaskDuration') / wallS;
  const growth = (name: string) => (endMetrics[name]! - warm.metrics[name]!) / warm.metrics[name]!;
  const tilesInView = await page.evaluate(() => {
    const page = globalThis as unknown as PageGlobals;
    const height = page.innerHeight;
    return [...page.document.querySelectorAll('[data-stream] canvas')].filter((c) => {
      const r = c.getBoundingClientRect();
      return r.bottom > 0 && r.top < height;
    }).length;
  });
  const d0 = warm.diagnostics;
  const d1 = last.diagnostics;
  const result = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      loadavg: loadavg().map((l) => round(l, 2)),
    },
    browser: `${browser.version()} headless, --disable-gpu, viewport 1920x1500, devicePixelRatio 1`,
    load: { streams: STREAMS, fps: FPS, tilesInView, minutes: MINUTES, warmupSeconds: WARMUP_S },
    js: {
      gzipBytes: js.totalBytes,
      files: js.files,
      budgetBytes: BUDGET.jsGzipBytes,
      met: js.totalBytes < BUDGET.jsGzipBytes,
    },
    mainThread: {
      busyShare: round(busyShare),
      wallSeconds: round(wallS, 1),
      taskSeconds: round(delta('TaskDuration'), 1),
      scriptSeconds: round(delta('ScriptDuration'), 1),
      styleSeconds: round(delta('RecalcStyleDuration'), 1),
      layoutSeconds: round(delta('LayoutDuration'), 1),
      threadCpuShare: round(delta('ThreadTime') / wallS),
      rendererCpuShare: round(delta('ProcessTime') / wallS),
      budget: BUDGET.mainThreadBusy,
      met: busyShare < BUDGET.mainThreadBusy,
    },
    frames: {
      publishedPerSecond: round(publishedInRun / wallS, 1),
      publishErrors,
      relayedPerSecond: round((relayAtEnd.sent - relayAtWarm.sent) / wallS, 1),
      skippedByGatewayPerSecond: round((relayAtEnd.skipped - relayAtWarm.skipped) / wallS, 1),
      receivedPerSecond: round((d1.messages - d0.messages) / wallS, 1),
      paintedPerSecond: round((d1.painted - d0.painted) / wallS, 1),
      paintedPerTilePerSecond: round((d1.painted - d0.painted) / wallS / STREAMS, 2),
      droppedClientSide: round(
        1 - (d1.decoded - d0.decoded) / Math.max(1, d1.messages - d0.messages),
      ),
      decodeErrors: d1.decodeErrors,
    },
    memory: {
      afterWarmup: {
        jsHeapUsedMB: round(warm.metrics.JSHeapUsedSize! / 1e6, 2),
        nodes: warm.metrics.Nodes,
        listeners: warm.metrics.JSEventListeners,
        openBitmaps: d0.openBitmaps,
        feeds: d0.feeds,
      },
      end: {
        jsHeapUsedMB: round(endMetrics.JSHeapUsedSize! / 1e6, 2),
        nodes: endMetrics.Nodes,
        listeners: endMetrics.JSEventListeners,
        openBitmaps: d1.openBitmaps,
        feeds: d1.feeds,
      },
      growth: {
        jsHeapUsed: round(growth('JSHeapUsedSize')),
        nodes: round(growth('Nodes')),
        listeners: round(growth('JSEventListeners')),
      },
      budget: BUDGET.memoryGrowth,
      met:
        growth('JSHeapUsedSize') < BUDGET.memoryGrowth &&
        growth('Nodes') < BUDGET.memoryGrowth &&
        growth('JSEventListeners') < BUDGET.memoryGrowth &&
        d1.openBitmaps <= STREAMS * 2,
    },
    samples: samples.map((s) => ({
      atS: round(s.atS, 1),
      jsHeapUsedMB: round(s.metrics.JSHeapUsedSize! / 1e6, 2),
      nodes: s.metrics.Nodes,
      openBitmaps: s.diagnostics.openBitmaps,
      painted: s.diagnostics.painted,
    })),
  };
  await writeFile(
    new URL('./results/dashboard.json', import.meta.url),
    `${JSON.stringify(result, null, 2)}\n`,
  );
  console.log(
    JSON.stringify(
      {
        js: result.js,
        mainThread: result.mainThread,
        frames: result.frames,
        memory: { growth: result.memory.growth, met: result.memory.met },
      },
      null,
      2,
    ),
  );
  console.log('wrote bench/results/dashboard.json');
} finally {
  clearInterval(publisher);
  clearInterval(workerTimer);
  await Promise.allSettled(heartbeats.map((h) => h.stop(false)));
  await browser.close().catch(() => {});
  await platform.stop();
}
