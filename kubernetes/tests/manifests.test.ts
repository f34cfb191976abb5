import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@ei/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { kustomize, readYamlDocuments, type K8sObject } from './kustomize.js';
import { allExpressions, KUBERNETES_DIR } from './promql.js';

// Every kustomization a user applies: the overlays and the monitoring bundle.
const OVERLAYS = readdirSync(join(KUBERNETES_DIR, 'overlays')).map((name) => `overlays/${name}`);
const TARGETS = [...OVERLAYS, 'monitoring'];

const MODEL_PACKAGES: Record<string, string> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
  'keda.sh': '@kubernetes-models/keda',
};

/**
 * Validates an object against its API's OpenAPI schema (kubernetes-models) and returns
 * the fields the schema does not know. The generated validators accept unknown fields, so
 * a typo (`readinesProbe`) would pass; they do read every field the schema defines, so a
 * field of the object that the validator never read is one the API would drop.
 */
async function validateObject(object: K8sObject): Promise<string[]> {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/')
    : ['', object.apiVersion];
  const pkg = MODEL_PACKAGES[group!] ?? 'kubernetes-models';
  const module = (await import(`${pkg}/${group ? `${group}/` : ''}${version}`)) as Record<
    string,
    { prototype: { validate(): void } }
  >;
  const Model = module[object.kind];
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  const read = new Set<string>();
  const present = new Set<string>();
  // Called on the object itself, not a model instance: the constructor deep-copies.
  Model.prototype.validate.call(trackReads(structuredClone(object), '', read, present));
  return [...present].filter((path) => !read.has(path));
}

function trackReads(
  value: unknown,
  path: string,
  read: Set<string>,
  present: Set<string>,
): unknown {
  if (value === null || typeof value !== 'object') return value;
  const isArray = Array.isArray(value);
  if (!isArray) for (const key of Object.keys(value)) present.add(`${path}/${key}`);
  return new Proxy(value, {
    get(target, key, receiver) {
      const child: unknown = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || (isArray && !/^\d+$/.test(key))) return child;
      if (!isArray) read.add(`${path}/${key}`);
      return trackReads(child, `${path}/${key}`, read, present);
    },
  });
}

const rendered = new Map(
  TARGETS.map((target) => [target, kustomize(join(KUBERNETES_DIR, target))]),
);
const hpaOverlay = rendered.get('overlays/hpa')!;
const find = (objects: K8sObject[], kind: string, name: string): K8sObject | undefined =>
  objects.find((o) => o.kind === kind && o.metadata.name === name);

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string } };
  }[];
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { allowPrivilegeEscalation?: boolean };
}
interface PodSpec {
  containers: Container[];
  terminationGracePeriodSeconds?: number;
  securityContext?: { runAsNonRoot?: boolean };
}
const podSpec = (deployment: K8sObject): PodSpec =>
  (deployment.spec as { template: { spec: PodSpec } }).template.spec;

const config = parseConfig(
  parse((find(hpaOverlay, 'ConfigMap', 'ei-config')!.data as Record<string, string>)['ei.yaml']!),
  { env: {} },
);
const TYPES = Object.keys(config.types);

describe('kubernetes manifests', () => {
  it.each(TARGETS)('%s: every object validates against its Kubernetes schema', async (target) => {
    const objects = rendered.get(target)!;
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      const unknown = await validateObject(object);
      expect(
        unknown,
        `${object.kind}/${object.metadata.name}: fields the API does not know`,
      ).toEqual([]);
    }
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(keys).size, 'duplicate objects').toBe(keys.length);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!kubectl).each(TARGETS)('%s: renders like kubectl kustomize', (target) => {
    const text = execFileSync('kubectl', ['kustomize', join(KUBERNETES_DIR, target)], {
      encoding: 'utf8',
    });
    const theirs = text
      .split(/^---$/m)
      .map((doc) => parse(doc) as K8sObject)
      .filter(Boolean);
    const key = (o: K8sObject): string =>
      `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    const sort = (list: K8sObject[]): K8sObject[] =>
      [...list].sort((a, b) => key(a).localeCompare(key(b)));
    expect(sort(rendered.get(target)!)).toEqual(sort(theirs));
  });

  it('a misspelt field fails validation', async () => {
    const worker = structuredClone(find(hpaOverlay, 'Deployment', 'ei-infer-people')!);
    const container = podSpec(worker).containers[0]! as unknown as Record<string, unknown>;
    container.readinesProbe = container.readinessProbe;
    expect(await validateObject(worker)).toEqual([
      '/spec/template/spec/containers/0/readinesProbe',
    ]);
    (container as { ports: { containerPort: unknown }[] }).ports[0]!.containerPort =
      'eight thousand';
    await expect(validateObject(worker)).rejects.toThrow(/containerPort must be integer/);
  });

  it('the config map is a valid platform configuration', () => {
    expect(TYPES.sort()).toEqual(['car', 'face', 'object', 'people']);
  });

  it('one worker Deployment ei-infer-<type> per configured type, probed, bounded and graceful', () => {
    const workers = hpaOverlay.filter(
      (o) => o.kind === 'Deployment' && o.metadata.name.startsWith('ei-infer-'),
    );
    expect(workers.map((w) => w.metadata.name.slice('ei-infer-'.length)).sort()).toEqual(
      [...TYPES].sort(),
    );
    for (const worker of workers) {
      const type = worker.metadata.name.slice('ei-infer-'.length);
      const spec = podSpec(worker);
      const [container] = spec.containers;
      expect(container!.args).toEqual(['worker', '--type', type, '--metrics-port', '8000']);
      expect(container!.ports).toEqual([{ name: 'metrics', containerPort: 8000 }]);
      expect(container!.readinessProbe?.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
      expect(container!.livenessProbe?.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
      expect(container!.resources?.requests?.cpu).toBeDefined();
      expect(container!.resources?.limits?.memory).toBeDefined();
      expect(spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(10);
      expect(container!.image).toBe('localhost:5000/ei-worker:latest');
    }
  });

  it('pods run as non-root and take the Redis password from the Secret', () => {
    for (const deployment of hpaOverlay.filter((o) => o.kind === 'Deployment')) {
      const spec = podSpec(deployment);
      expect(spec.securityContext?.runAsNonRoot, deployment.metadata.name).toBe(true);
      for (const container of spec.containers) {
        expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
        const password = container.env?.find((e) => e.name === 'REDIS_PASSWORD');
        expect(
          password?.valueFrom?.secretKeyRef,
          `${deployment.metadata.name}/${container.name}`,
        ).toEqual({
          name: 'ei-redis',
          key: 'password',
        });
      }
    }
    // The Secret is created by the operator or gen-k8s-yaml.sh, never committed.
    expect(hpaOverlay.some((o) => o.kind === 'Secret')).toBe(false);
  });

  it('gateway on NodePort 31002 and the frame queue on NodePort 31003', () => {
    const ports = (name: string) =>
      find(hpaOverlay, 'Service', name)!.spec as {
        type: string;
        ports: { port: number; nodePort?: number }[];
      };
    expect(ports('ei-gateway')).toMatchObject({
      type: 'NodePort',
      ports: [{ port: 8080, nodePort: 31002 }],
    });
    expect(ports('ei-frame-queue')).toMatchObject({
      type: 'NodePort',
      ports: [{ port: 6379, nodePort: 31003 }],
    });
    const redis = podSpec(find(hpaOverlay, 'Deployment', 'ei-redis')!).containers[0]!;
    expect(redis.args?.slice(0, 3)).toEqual(['redis-server', '--requirepass', '$(REDIS_PASSWORD)']);
  });

  it('sample-infer streams into every type', () => {
    const producers = podSpec(find(hpaOverlay, 'Deployment', 'sample-infer')!).containers;
    const types = producers.map((c) => c.args![c.args!.indexOf('--type') + 1]);
    expect(types.sort()).toEqual([...TYPES].sort());
    const samples = join(KUBERNETES_DIR, '../services/cli/defaults/samples');
    for (const container of producers) {
      const source = container.args![container.args!.indexOf('--source') + 1]!;
      expect(source.startsWith('/app/services/cli/defaults/samples/')).toBe(true);
      expect(readdirSync(samples)).toContain(source.split('/').pop());
    }
  });

  it('scalers: one per type, on ei_scale_ratio with target 1, or on CPU', () => {
    const byKind = (overlay: string, kind: string) =>
      rendered.get(overlay)!.filter((o) => o.kind === kind);
    const hpas = byKind('overlays/hpa', 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(
      TYPES.map((t) => `ei-infer-${t}`).sort(),
    );
    for (const hpa of hpas) {
      expect(hpa.spec).toMatchObject({
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: hpa.metadata.name },
        metrics: [
          {
            type: 'Pods',
            pods: {
              metric: { name: 'ei_scale_ratio' },
              target: { type: 'AverageValue', averageValue: '1' },
            },
          },
        ],
      });
    }
    for (const hpa of byKind('overlays/hpa-cpu', 'HorizontalPodAutoscaler')) {
      expect(hpa.spec).toMatchObject({
        metrics: [{ type: 'Resource', resource: { name: 'cpu' } }],
      });
    }
    const scaled = byKind('overlays/keda', 'ScaledObject');
    expect(scaled.map((s) => s.metadata.name).sort()).toEqual(
      TYPES.map((t) => `ei-infer-${t}`).sort(),
    );
    for (const object of scaled) {
      const type = object.metadata.name.slice('ei-infer-'.length);
      expect(object.spec).toMatchObject({
        scaleTargetRef: { name: object.metadata.name },
        triggers: [
          { type: 'prometheus', metricType: 'AverageValue', metadata: { threshold: '1' } },
        ],
      });
      const query = (object.spec as { triggers: { metadata: { query: string } }[] }).triggers[0]!
        .metadata.query;
      expect(query).toContain(`type="${type}"`);
    }
    expect(byKind('overlays/keda', 'HorizontalPodAutoscaler')).toEqual([]);
    expect(byKind('overlays/manual', 'HorizontalPodAutoscaler')).toEqual([]);
  });

  it('prometheus-adapter serves the metrics the HPAs ask for', () => {
    const adapter = parse(
      readFileSync(join(KUBERNETES_DIR, 'monitoring/prometheus-adapter/config.yaml'), 'utf8'),
    ) as {
      rules: {
        seriesQuery: string;
        metricsQuery: string;
        name: { as: string };
        resources: unknown;
      }[];
    };
    expect(adapter.rules.map((r) => r.name.as).sort()).toEqual([
      'ei_drop_fps',
      'ei_infer_fps',
      'ei_scale_ratio',
    ]);
    for (const rule of adapter.rules) {
      expect(rule.metricsQuery).toContain('<<.GroupBy>>');
      expect(rule.metricsQuery).toContain('<<.LabelMatchers>>');
    }
    const generated = find(
      rendered.get('monitoring')!,
      'ConfigMap',
      'ei-prometheus-adapter-rules',
    )!;
    const values = parse(
      readFileSync(join(KUBERNETES_DIR, 'monitoring/prometheus-adapter/values.yaml'), 'utf8'),
    ) as {
      rules: { existing: string };
    };
    expect(values.rules.existing).toBe(generated.metadata.name);
    expect(generated.metadata.namespace).toBe('monitoring');
  });

  it('the Grafana dashboard is provisioned and every panel has a query', () => {
    const monitoring = rendered.get('monitoring')!;
    const dashboards = find(monitoring, 'ConfigMap', 'ei-grafana-dashboards')!;
    expect(dashboards.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    const dashboard = JSON.parse(
      (dashboards.data as Record<string, string>)['elastic-inference.json']!,
    ) as {
      uid: string;
      panels: { id: number; title: string; targets: { expr: string; refId: string }[] }[];
    };
    expect(dashboard.uid).toBe('elastic-inference');
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels)
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
    const provider = parse(
      (find(monitoring, 'ConfigMap', 'ei-grafana-provisioning')!.data as Record<string, string>)[
        'dashboards.yaml'
      ]!,
    ) as {
      providers: { options: { path: string } }[];
    };
    expect(provider.providers[0]!.options.path).toMatch(/^\/var\/lib\/grafana\/dashboards\//);
  });

  it('every PromQL expression of adapter, dashboard, alerts and KEDA is found', () => {
    const sources = allExpressions().map((e) => e.source.split(' ')[0]);
    for (const kind of ['adapter', 'grafana', 'alert', 'keda']) expect(sources).toContain(kind);
  });

  const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!promtool)('promtool accepts the alerting rules', () => {
    const [rule] = readYamlDocuments(
      join(KUBERNETES_DIR, 'monitoring/prometheus-rule.yaml'),
    ) as K8sObject[];
    const dir = mkdtempSync(join(tmpdir(), 'ei-rules-'));
    try {
      const file = join(dir, 'rules.json');
      writeFileSync(file, JSON.stringify(rule!.spec));
      const result = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
      expect(result.status, result.stdout + result.stderr).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every YAML file under kubernetes/ parses', () => {
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? walk(join(dir, entry.name))
          : entry.name.endsWith('.yaml')
            ? [join(dir, entry.name)]
            : [],
      );
    const files = walk(KUBERNETES_DIR);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) expect(() => readYamlDocuments(file), file).not.toThrow();
  });
});
