import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedis, FrameQueue, StreamRegistry, waitUntilReady, type Redis } from '@ei/core';
import { freePort, startPrivateRedis, type PrivateRedis } from '@ei/core/testing';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kustomize } from './kustomize.js';
import { allExpressions, KUBERNETES_DIR, metricNames, TEST_NAMESPACE } from './promql.js';

// The services run as processes, the way their containers run them (`ei worker`,
// `ei produce`, `ei gateway`), and a real Prometheus scrapes them with the labels a
// PodMonitor would add (namespace, pod, job). Then every metric name and every PromQL
// expression of the manifests is checked against what the services really export.

const ROOT = join(KUBERNETES_DIR, '..');
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? 'prometheus';
const CLIP = join(ROOT, 'services/producer/src/testing/fixtures/vtest-640x480-4s.avi');
const TYPE = 'people';

/** Series from kube-state-metrics, which exists only in a cluster. */
const KUBE_STATE_METRICS = [
  'kube_deployment_spec_replicas',
  'kube_deployment_status_replicas_available',
];
/** Series Prometheus makes itself for every target. */
const PROMETHEUS_OWN = ['up'];

interface Service {
  name: string;
  job: string;
  pod: string;
  port: number;
  child?: ChildProcess;
  log: string;
}

const services: Service[] = [];
let redis: PrivateRedis | undefined;
let prometheus: ChildProcess | undefined;
let prometheusUrl = '';
let kubeStateStub: Server | undefined;
let workDir = '';
let setupProblem = '';
let feeder: { redis: Redis; timer: NodeJS.Timeout } | undefined;

/**
 * A second camera written with the core library, beside the real producer: the worker's
 * figures then do not hang on the producer, and a broken producer shows up as exactly
 * its own series missing (ei_produced_frames_total) rather than as every latency panel.
 */
async function startFeeder(url: string, password: string): Promise<void> {
  const redis = createRedis({ url, password });
  redis.on('error', () => undefined);
  await waitUntilReady(redis);
  const jpeg = readFileSync(join(ROOT, 'services/worker/src/fixtures/vtest-1s.jpg'));
  const registry = new StreamRegistry({ redis, ttlMs: 60_000 });
  const queue = new FrameQueue({ redis, type: TYPE, policy: 'latest', cap: 64 });
  const announce = () =>
    registry.announce({
      id: 'live-metrics-direct',
      type: TYPE,
      source: 'test',
      state: 'live',
      host: 'test',
    });
  await announce();
  let seq = 0;
  const timer = setInterval(() => {
    if (seq % 25 === 0) void announce().catch(() => undefined);
    const frame = {
      streamId: 'live-metrics-direct',
      type: TYPE,
      seq: seq++,
      captureTs: Date.now(),
      width: 768,
      height: 576,
      encoding: 'jpeg' as const,
      data: jpeg,
    };
    void queue.push(frame).catch(() => undefined);
  }, 200);
  feeder = { redis, timer };
}

function ei(service: Service, args: string[], env: NodeJS.ProcessEnv): void {
  const child = spawn(
    process.execPath,
    ['--conditions=@ei/source', '--import', 'tsx', 'services/cli/src/main.ts', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, LOG_FORMAT: 'json', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const keep = (chunk: Buffer): void => {
    service.log = (service.log + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  service.child = child;
  services.push(service);
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const logs = services.map((s) => `--- ${s.name}\n${s.log}`).join('\n');
  throw new Error(`timed out waiting for ${what} (${String(lastError)})\n${logs}`);
}

async function text(url: string): Promise<string | undefined> {
  const response = await fetch(url);
  return response.ok ? response.text() : undefined;
}

interface QueryResult {
  status: string;
  error?: string;
  data: { resultType: string; result: unknown[] };
}

async function query(promql: string): Promise<QueryResult> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  return (await response.json()) as QueryResult;
}

/** Metric families a service exports: the names of its `# TYPE` lines. */
function exportedNames(exposition: string): Set<string> {
  return new Set([...exposition.matchAll(/^# TYPE (\S+) \S+$/gm)].map((m) => m[1]!));
}

beforeAll(async () => {
  // CI installs Prometheus (.ci/packages.txt); without it this suite cannot say anything.
  if (spawnSync(PROMETHEUS, ['--version']).status !== 0) {
    throw new Error(`${PROMETHEUS} --version failed: apt-get install prometheus`);
  }
  workDir = mkdtempSync(join(tmpdir(), 'ei-prometheus-'));
  redis = await startPrivateRedis({ password: 'live-metrics-test' });
  const env = { REDIS_URL: redis.url, REDIS_PASSWORD: 'live-metrics-test' };

  const worker: Service = {
    name: 'worker',
    job: 'worker',
    pod: `ei-infer-${TYPE}-0`,
    port: await freePort(),
    log: '',
  };
  ei(worker, ['worker', '--type', TYPE, '--metrics-port', String(worker.port)], env);
  const producer: Service = {
    name: 'producer',
    job: 'producer',
    pod: 'sample-infer-0',
    port: await freePort(),
    log: '',
  };
  ei(
    producer,
    [
      'produce',
      '--source',
      CLIP,
      '--type',
      TYPE,
      '--name',
      'live-metrics',
      '--fps',
      '5',
      '--loop',
      '--max-width',
      '320',
      '--metrics-port',
      String(producer.port),
    ],
    env,
  );
  await startFeeder(redis.url, 'live-metrics-test');
  const gateway: Service = {
    name: 'gateway',
    job: 'gateway',
    pod: 'ei-gateway-0',
    port: await freePort(),
    log: '',
  };
  // Prometheus scrapes the gateway's ops port; its API port needs a token, as on a cluster.
  ei(
    gateway,
    ['gateway', '--port', String(await freePort()), '--metrics-port', String(gateway.port)],
    { ...env, EI_API_TOKEN: 'live-metrics-token' },
  );

  // kube-state-metrics' two series for the EiWorkersNotReady alert, as it would serve them
  // for the worker Deployment above: there is no cluster to read them from.
  kubeStateStub = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(
      KUBE_STATE_METRICS.map(
        (name) =>
          `# TYPE ${name} gauge\n${name}{namespace="${TEST_NAMESPACE}",deployment="ei-infer-${TYPE}"} 1\n`,
      ).join(''),
    );
  });
  const stubPort = await freePort();
  await new Promise<void>((resolve) => kubeStateStub!.listen(stubPort, '127.0.0.1', resolve));

  const target = (service: { job: string; pod: string; port: number }) => ({
    job_name: service.job,
    scrape_interval: '1s',
    static_configs: [
      {
        targets: [`127.0.0.1:${service.port}`],
        labels: { namespace: TEST_NAMESPACE, pod: service.pod },
      },
    ],
  });
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [
      ...services.map(target),
      {
        job_name: 'kube-state-metrics',
        scrape_interval: '1s',
        honor_labels: true,
        static_configs: [{ targets: [`127.0.0.1:${stubPort}`] }],
      },
    ],
  };
  writeFileSync(join(workDir, 'prometheus.yml'), stringify(config));
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const prometheusService: Service = { name: 'prometheus', job: '', pod: '', port, log: '' };
  prometheus = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stderr!.on(
    'data',
    (chunk: Buffer) =>
      (prometheusService.log = (prometheusService.log + chunk.toString()).slice(-4000)),
  );
  services.push(prometheusService);

  await waitFor('Prometheus', () => text(`${prometheusUrl}/-/ready`), 30_000);
  // Frames went all the way through: the worker's end-to-end histogram has moved. Not
  // fatal here: the expression test below then names what is empty, with the logs.
  await waitFor(
    'inferred frames scraped by Prometheus',
    async () => {
      const result = await query(`sum(rate(ei_end_to_end_seconds_count{job="worker"}[30s])) > 0`);
      return result.data.result.length > 0 ? true : undefined;
    },
    90_000,
  ).catch((error: Error) => (setupProblem = error.message));
}, 150_000);

afterAll(async () => {
  const stopping = [...services].reverse().map(
    (service) =>
      new Promise<void>((resolve) => {
        const child = service.name === 'prometheus' ? prometheus : service.child;
        if (!child || child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 10_000).unref();
      }),
  );
  await Promise.all(stopping);
  if (feeder) {
    clearInterval(feeder.timer);
    feeder.redis.disconnect();
  }
  kubeStateStub?.close();
  await redis?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 30_000);

describe('metrics of the running services (Prometheus)', () => {
  it('every service answers /metrics, /healthz and /readyz', async () => {
    for (const service of services.filter((s) => s.job)) {
      const base = `http://127.0.0.1:${service.port}`;
      expect(await text(`${base}/metrics`), `${service.name} /metrics`).toContain('# TYPE');
      expect((await fetch(`${base}/healthz`)).status, `${service.name} /healthz`).toBe(200);
      await waitFor(
        `${service.name} /readyz`,
        async () => ((await fetch(`${base}/readyz`)).ok ? true : undefined),
        30_000,
      );
    }
  });

  it('every metric named by the HPAs, adapter, dashboard, alerts and KEDA is exported by a service', async () => {
    const exported = new Set<string>([...PROMETHEUS_OWN, ...KUBE_STATE_METRICS]);
    for (const service of services.filter((s) => s.job)) {
      for (const name of exportedNames((await text(`http://127.0.0.1:${service.port}/metrics`))!))
        exported.add(name);
    }
    const used = new Map<string, string>();
    for (const expression of allExpressions()) {
      for (const name of metricNames(expression.query)) used.set(name, expression.source);
    }
    for (const hpa of kustomize(join(KUBERNETES_DIR, 'overlays/hpa')).filter(
      (o) => o.kind === 'HorizontalPodAutoscaler',
    )) {
      for (const metric of (hpa.spec as { metrics: { pods?: { metric: { name: string } } }[] })
        .metrics) {
        if (metric.pods) used.set(metric.pods.metric.name, `HPA ${hpa.metadata.name}`);
      }
    }
    expect(used.size).toBeGreaterThan(10);
    const missing = [...used]
      .filter(([name]) => !exported.has(name))
      .map(([name, source]) => `${name} (${source})`);
    expect(missing).toEqual([]);
  });

  it('the worker exports the metrics the design names', async () => {
    const worker = services.find((s) => s.name === 'worker')!;
    const names = exportedNames((await text(`http://127.0.0.1:${worker.port}/metrics`))!);
    for (const name of [
      'ei_infer_fps',
      'ei_drop_fps',
      'ei_scale_ratio',
      'ei_queue_depth',
      'ei_queue_wait_seconds',
      'ei_preprocess_seconds',
      'ei_inference_seconds',
      'ei_postprocess_seconds',
      'ei_end_to_end_seconds',
      'ei_errors_total',
      'ei_model_info',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it('every PromQL expression returns data (finite values)', async () => {
    // KEDA's queries differ only by type; the one running here stands for all.
    const expressions = allExpressions().map((e) => ({
      ...e,
      query: e.query.replace(/type="[^"]+"/g, `type="${TYPE}"`),
    }));
    // Polled together: data may take a few scrapes (rates need two samples).
    let pending = expressions;
    const failures = new Map<string, string>();
    const deadline = Date.now() + 30_000;
    while (pending.length > 0 && Date.now() < deadline) {
      const still: typeof pending = [];
      for (const expression of pending) {
        const answer = await query(expression.query);
        // A finite value: histogram_quantile over no observations answers NaN.
        const finite =
          answer.status === 'success' &&
          (answer.data.result as { value: [number, string] }[]).some((sample) =>
            Number.isFinite(Number(sample.value[1])),
          );
        if (!finite) {
          still.push(expression);
          failures.set(
            expression.query,
            answer.status === 'success' ? 'no finite value' : `${answer.error}`,
          );
        }
      }
      pending = still;
      if (pending.length > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const empty = pending.map((e) => `${e.source}: ${e.query} (${failures.get(e.query)})`);
    expect(empty, setupProblem).toEqual([]);
  }, 60_000);

  it('the gateway is scraped too', async () => {
    const result = await query('up{job="gateway"}');
    expect(result.data.result).toHaveLength(1);
  });
});
