import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, redisServerLimits } from '@ei/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { kustomize, readYamlDocuments, type K8sObject } from './kustomize.js';
import { allExpressions, KUBERNETES_DIR } from './promql.js';

// Every kustomization a user applies: the overlays, the monitoring bundle, and an overlay
// with the frame-queue TLS component as docs/deploy.md has operators write it.
const OVERLAYS = readdirSync(join(KUBERNETES_DIR, 'overlays')).map((name) => `overlays/${name}`);
const TLS_FIXTURE = 'tests/fixtures/hpa-frame-queue-tls';
const TARGETS = [...OVERLAYS, TLS_FIXTURE, 'monitoring'];
const RELEASE = (
  JSON.parse(readFileSync(join(KUBERNETES_DIR, '../package.json'), 'utf8')) as { version: string }
).version;

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
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
}
interface PodSpec {
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string } }[];
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  securityContext?: { runAsNonRoot?: boolean };
}
const podSpec = (deployment: K8sObject): PodSpec =>
  (deployment.spec as { template: { spec: PodSpec } }).template.spec;

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface Peer {
  podSelector?: Selector;
  namespaceSelector?: Selector;
  ipBlock?: { cidr: string };
}
interface PolicyRule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port: string | number; protocol?: string }[];
}
interface Policy extends K8sObject {
  spec: {
    podSelector: Selector;
    policyTypes: string[];
    ingress?: PolicyRule[];
    egress?: PolicyRule[];
  };
}

/** Whether a label selector (matchLabels, matchExpressions with In) selects `labels`. */
function selects(selector: Selector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    if (e.operator !== 'In') throw new Error(`selector operator ${e.operator} not evaluated here`);
    return e.values!.includes(labels[e.key] ?? '');
  });
  return byLabels && byExpressions;
}

/** The rules that let traffic reach (`ingress`) or leave (`egress`) a pod with `labels`. */
function peers(
  policies: Policy[],
  labels: Record<string, string>,
  direction: 'ingress' | 'egress',
) {
  return policies
    .filter((p) => selects(p.spec.podSelector, labels))
    .flatMap((p) => p.spec[direction] ?? [])
    .map((rule) => {
      const list = (direction === 'ingress' ? rule.from : rule.to) ?? [];
      return {
        pods: list
          .filter((peer) => peer.podSelector && !peer.namespaceSelector)
          .map((peer) => peer.podSelector!),
        namespaces: list
          .filter((peer) => peer.namespaceSelector)
          .map((peer) => peer.namespaceSelector!.matchLabels!['kubernetes.io/metadata.name']!),
        ipBlocks: list.filter((peer) => peer.ipBlock).map((peer) => peer.ipBlock!.cidr),
        // A rule without peers allows every source; without ports, every port.
        everyone: list.length === 0,
        ports: (rule.ports ?? []).map((p) => p.port),
      };
    });
}
const ingressPeers = (policies: Policy[], labels: Record<string, string>) =>
  peers(policies, labels, 'ingress');
const egressPeers = (policies: Policy[], labels: Record<string, string>) =>
  peers(policies, labels, 'egress');

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
      expect(container!.image).toBe(`localhost:5000/ei-worker:${RELEASE}`);
    }
  });

  it('pods run as non-root, without a service account token, each with its own Redis user and Secret', () => {
    const userOf: Record<string, string> = {
      gateway: 'gateway',
      worker: 'worker',
      producer: 'producer',
    };
    for (const target of TARGETS) {
      for (const deployment of rendered.get(target)!.filter((o) => o.kind === 'Deployment')) {
        const spec = podSpec(deployment);
        const where = `${target}: ${deployment.metadata.name}`;
        expect(spec.securityContext?.runAsNonRoot, where).toBe(true);
        expect(spec.automountServiceAccountToken, where).toBe(false);
        if (deployment.metadata.name === 'ei-redis') continue;
        const user = userOf[deployment.metadata.labels?.['app.kubernetes.io/component'] ?? '']!;
        expect(user, where).toBeDefined();
        const volume = spec.volumes?.find((v) => v.secret?.secretName === `ei-redis-${user}`);
        expect(volume, `${where}: the Secret ei-redis-${user} as a volume`).toBeDefined();
        for (const container of spec.containers) {
          expect(container.securityContext?.allowPrivilegeEscalation).toBe(false);
          const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
          expect(env.REDIS_USERNAME?.value, where).toBe(user);
          const mount = container.volumeMounts?.find((m) => m.name === volume!.name);
          expect(mount?.readOnly).toBe(true);
          expect(env.REDIS_PASSWORD_FILE?.value).toBe(`${mount!.mountPath}/password`);
          // Never a password in the environment, never one shared with another component.
          expect(env.REDIS_PASSWORD, where).toBeUndefined();
          expect(JSON.stringify(container)).not.toContain('ei-redis-admin');
        }
      }
      // The Secrets are created by the operator or gen-k8s-yaml.sh, never committed.
      expect(rendered.get(target)!.some((o) => o.kind === 'Secret')).toBe(false);
    }
  });

  it('the gateway takes its API token from a Secret and drains on stop', () => {
    const gateway = find(hpaOverlay, 'Deployment', 'ei-gateway')!;
    const [container] = podSpec(gateway).containers;
    const token = container!.env?.find((e) => e.name === 'EI_API_TOKEN');
    expect(token?.valueFrom?.secretKeyRef).toEqual({ name: 'ei-gateway-token', key: 'token' });
    expect(container!.env?.some((e) => e.name === 'EI_GATEWAY_INSECURE')).toBe(false);
    const sleep = container!.lifecycle?.preStop?.exec?.command;
    expect(sleep?.[0]).toBe('sleep');
    expect(Number(sleep?.[1])).toBeGreaterThanOrEqual(3);
    expect(Number(sleep?.[1])).toBeLessThan(podSpec(gateway).terminationGracePeriodSeconds!);
  });

  it('Redis runs the ACL file from its Secret, with the server limits of the config, on a pinned patched image', () => {
    const redis = find(hpaOverlay, 'Deployment', 'ei-redis')!;
    const spec = podSpec(redis);
    const [container] = spec.containers;
    expect(container!.image).toMatch(/^redis:7\.4\.(\d+)-alpine$/);
    expect(Number(/^redis:7\.4\.(\d+)/.exec(container!.image)![1])).toBeGreaterThanOrEqual(11);
    const args = container!.args!;
    expect(args.slice(0, 3)).toEqual(['redis-server', '--aclfile', '/etc/redis/acl/users.acl']);
    expect(args).not.toContain('--requirepass');
    const mount = container!.volumeMounts!.find((m) => m.mountPath === '/etc/redis/acl');
    const volume = spec.volumes!.find((v) => v.name === mount?.name);
    expect(volume?.secret?.secretName).toBe('ei-redis-acl');
    expect(container!.env ?? []).toEqual([]);
    // The same limits `ei up` gives its private Redis, for the config's frame limit.
    const limits = redisServerLimits(config.limits.maxFrameBytes);
    const at = args.indexOf(limits[0]!);
    expect(args.slice(at, at + limits.length)).toEqual(limits);
  });

  it('every image is pinned by tag, never latest', () => {
    for (const target of TARGETS) {
      for (const object of rendered.get(target)!) {
        const spec = (object.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
        for (const container of spec?.containers ?? []) {
          expect(container.image, `${target}: ${object.metadata.name}`).toMatch(
            /^[^:]+(:\d+)?\/?[^:]*:[A-Za-z0-9_][A-Za-z0-9_.-]*$/,
          );
          expect(container.image).not.toMatch(/:latest$/);
        }
      }
    }
  });

  it('network policies: deny by default; only gateway, workers and producers reach Redis; workers reach Redis only', () => {
    const policies = hpaOverlay.filter((o) => o.kind === 'NetworkPolicy') as Policy[];
    const pods = hpaOverlay
      .filter((o) => o.kind === 'Deployment')
      .map((d) => ({
        name: d.metadata.name,
        labels: (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template
          .metadata.labels,
        ports: podSpec(d).containers.flatMap((c) => c.ports ?? []),
      }));
    const pod = (name: string) => pods.find((p) => p.name === name)!;
    // Every pod is selected for both directions: what no rule allows is denied.
    for (const { name, labels } of pods) {
      const selecting = policies.filter((p) => selects(p.spec.podSelector, labels));
      for (const type of ['Ingress', 'Egress'])
        expect(
          selecting.some((p) => p.spec.policyTypes.includes(type)),
          `${name} ${type}`,
        ).toBe(true);
    }
    const redis = pod('ei-redis');
    const intoRedis = ingressPeers(policies, redis.labels);
    // Pods allowed in: the platform's components, on the Redis port only.
    const allowedPods = pods.filter((p) =>
      intoRedis.some((rule) => rule.pods.some((selector) => selects(selector, p.labels))),
    );
    expect(allowedPods.map((p) => p.name).sort()).toEqual(
      pods
        .filter((p) => p.name !== 'ei-redis')
        .map((p) => p.name)
        .sort(),
    );
    for (const rule of intoRedis) {
      expect(rule.everyone).toBe(false);
      expect(rule.ports).toEqual(['redis']);
    }
    // The one rule from outside the cluster is the cameras' NodePort rule.
    expect(intoRedis.filter((rule) => rule.ipBlocks.length > 0)).toHaveLength(1);
    // Workers: out to Redis on 6379 and to DNS, nothing else; in only from monitoring.
    for (const worker of pods.filter((p) => p.labels['app.kubernetes.io/component'] === 'worker')) {
      const out = egressPeers(policies, worker.labels);
      expect(out.length).toBeGreaterThan(0);
      for (const rule of out) {
        const toRedis = rule.pods.some((selector) => selects(selector, redis.labels));
        const toDns = rule.namespaces.includes('kube-system') && rule.ports.every((p) => p === 53);
        expect(toRedis ? rule.ports : 'dns', worker.name).toEqual(toRedis ? [6379] : 'dns');
        expect(toRedis || toDns, worker.name).toBe(true);
        expect(rule.ipBlocks).toEqual([]);
      }
      for (const rule of ingressPeers(policies, worker.labels)) {
        expect(rule.namespaces).toEqual(['monitoring']);
        expect(rule.ports).toEqual(['metrics']);
      }
    }
    // The gateway answers anyone on its HTTP port; its ops port answers Prometheus only.
    const intoGateway = ingressPeers(policies, pod('ei-gateway').labels);
    expect(intoGateway.map((r) => [r.everyone, r.namespaces, r.ports])).toEqual([
      [true, [], ['http']],
      [false, ['monitoring'], ['metrics']],
    ]);
  });

  it('disruption budgets: the gateway keeps a pod, each worker type loses one at a time', () => {
    const budgets = hpaOverlay.filter((o) => o.kind === 'PodDisruptionBudget');
    const gateway = find(hpaOverlay, 'Deployment', 'ei-gateway')!;
    const gatewayBudget = budgets.find((b) =>
      selects(
        (b.spec as { selector: Selector }).selector,
        (gateway.spec as { template: { metadata: { labels: Record<string, string> } } }).template
          .metadata.labels,
      ),
    );
    expect(gatewayBudget?.spec).toMatchObject({ minAvailable: 1 });
    expect((gateway.spec as { replicas: number }).replicas).toBeGreaterThan(1);
    for (const type of TYPES) {
      const budget = find(hpaOverlay, 'PodDisruptionBudget', `ei-infer-${type}`);
      expect(budget?.spec).toEqual({
        maxUnavailable: 1,
        selector: { matchLabels: { 'app.kubernetes.io/name': `ei-infer-${type}` } },
      });
    }
  });

  it('the frame-queue TLS component moves the NodePort and its policy to a TLS port', () => {
    const objects = rendered.get(TLS_FIXTURE)!;
    const redis = podSpec(find(objects, 'Deployment', 'ei-redis')!);
    const args = redis.containers[0]!.args!;
    const option = (name: string) => args[args.indexOf(name) + 1];
    expect(option('--tls-port')).toBe('6380');
    expect(redis.containers[0]!.ports).toContainEqual({ name: 'redis-tls', containerPort: 6380 });
    const tlsMount = redis.containers[0]!.volumeMounts!.find((m) => m.name === 'tls')!;
    for (const file of ['--tls-cert-file', '--tls-key-file', '--tls-ca-cert-file'])
      expect(option(file)!.startsWith(`${tlsMount.mountPath}/`)).toBe(true);
    expect(redis.volumes!.find((v) => v.name === 'tls')?.secret?.secretName).toBe('ei-redis-tls');
    expect(find(objects, 'Service', 'ei-frame-queue')!.spec).toMatchObject({
      ports: [{ nodePort: 31003, targetPort: 'redis-tls' }],
    });
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy') as Policy[];
    const labels = { 'app.kubernetes.io/name': 'ei-redis' };
    const rules = ingressPeers(policies, labels);
    expect(rules.filter((r) => r.ipBlocks.length > 0).map((r) => r.ports)).toEqual([['redis-tls']]);
    expect(rules.filter((r) => r.ipBlocks.length === 0).map((r) => r.ports)).toEqual([['redis']]);
    // Everything else is the overlay's.
    const rest = (list: K8sObject[]) =>
      list.filter(
        (o) => !['ei-redis', 'ei-frame-queue', 'ei-frame-queue-remote'].includes(o.metadata.name),
      );
    expect(rest(objects)).toEqual(rest(hpaOverlay));
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
