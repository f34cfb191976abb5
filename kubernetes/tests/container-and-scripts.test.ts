import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NODE_FLAGS } from '@ei/core';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { kustomize, type K8sObject } from './kustomize.js';
import { KUBERNETES_DIR } from './promql.js';

const ROOT = join(KUBERNETES_DIR, '..');
const SCRIPTS = ['container/build.sh', 'tools/gen-k8s-yaml.sh'];
const IMAGES = ['gateway', 'worker', 'producer'] as const;
const RELEASE = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
const run = (script: string, args: string[]) =>
  spawnSync('bash', [join(ROOT, script), ...args], {
    encoding: 'utf8',
    env: { ...process.env, REDIS_PASSWORD: '' },
  });

describe.each(SCRIPTS)('%s', (script) => {
  it('is valid bash, documents itself with -h and refuses a missing -r', () => {
    expect(spawnSync('bash', ['-n', join(ROOT, script)]).status).toBe(0);
    const help = run(script, ['-h']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: .* -r registry/);
    // The default tag is the release, the one the overlays use: never a moving "latest".
    expect(help.stdout).toContain(`-t tag        image tag (default: ${RELEASE}, the release`);
    expect(help.stdout).not.toMatch(/latest/);
    const missing = run(script, []);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('-r registry is required');
    expect(statSync(join(ROOT, script)).mode & 0o111).not.toBe(0);
  });
});

const kubectl = spawnSync('kubectl', ['version', '--client']).status === 0;
describe.skipIf(!kubectl)('tools/gen-k8s-yaml.sh', () => {
  const out = mkdtempSync(join(tmpdir(), 'ei-gen-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it.each(['hpa', 'keda'])(
    'renders overlay %s with the registry images and writes the Secrets',
    (overlay) => {
      const secrets = join(out, `secrets-${overlay}`);
      mkdirSync(secrets, { mode: 0o700 });
      // A kept producer password, during a rotation: the new one first, the old one below.
      writeFileSync(
        join(secrets, 'producer'),
        'new-producer-password-0123\nold-producer-password-0123\n',
      );
      const result = run('tools/gen-k8s-yaml.sh', [
        ...['-r', 'registry.example.com/ei/', '-t', '1.2.3', '-o', overlay],
        ...['-d', out, '-s', '-k', secrets],
      ]);
      expect(result.status, result.stderr).toBe(0);
      const objects = parseAllDocuments(
        readFileSync(join(out, `elastic-inference-${overlay}.yaml`), 'utf8'),
      ).map((d) => d.toJS() as K8sObject);
      const images = JSON.stringify(objects).match(/"image":"[^"]+"/g)!;
      for (const image of images.filter((i) => i.includes('/ei-'))) {
        expect(image).toMatch(
          /"image":"registry\.example\.com\/ei\/ei-(gateway|worker|producer):1\.2\.3"/,
        );
      }
      // Same objects as the overlay, images aside.
      const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
      const strip = (list: K8sObject[]) =>
        (
          JSON.parse(JSON.stringify(list).replace(/"image":"[^"]*"/g, '"image":""')) as K8sObject[]
        ).sort((a, b) => key(a).localeCompare(key(b)));
      expect(strip(objects)).toEqual(strip(kustomize(join(KUBERNETES_DIR, 'overlays', overlay))));

      // One file of Secrets, readable by its owner only, holding what the pods mount.
      const secretPath = join(out, 'ei-secrets.yaml');
      expect(statSync(secretPath).mode & 0o077).toBe(0);
      const secretObjects = parseAllDocuments(readFileSync(secretPath, 'utf8')).map(
        (d) => d.toJS() as K8sObject & { stringData: Record<string, string> },
      );
      const byName = new Map(secretObjects.map((o) => [o.metadata.name, o]));
      const mounted = new Set(
        objects
          .flatMap(
            (o) =>
              JSON.stringify(o).match(
                /"(secretName|secretKeyRef":\{"name)":"ei-(redis|gateway)-[a-z-]+"/g,
              ) ?? [],
          )
          .map((m) => m.split('"').at(-2)!),
      );
      for (const name of mounted) expect(byName.has(name), name).toBe(true);
      for (const user of ['producer', 'worker', 'gateway', 'admin']) {
        const secret = byName.get(`ei-redis-${user}`)!;
        expect(secret.metadata.namespace).toBe('elastic-inference');
        expect(secret.stringData.username).toBe(user);
        expect(secret.stringData.password).toBe(
          readFileSync(join(secrets, user), 'utf8').split('\n')[0],
        );
      }
      expect(byName.get('ei-gateway-token')!.stringData.token).toMatch(/^[0-9a-f]{48}$/);
      const acl = byName.get('ei-redis-acl')!.stringData['users.acl']!;
      expect(acl.split('\n')[0]).toBe('user default reset');
      // Hashes only; both producer passwords accepted while the rotation rolls out.
      expect(acl).not.toContain('producer-password');
      expect(
        acl
          .split('\n')
          .find((l) => l.startsWith('user producer '))!
          .match(/#[0-9a-f]{64}/g),
      ).toHaveLength(2);
      // Run again: the same values.
      const values = (text: string) => text.replace(/^#.*\n/gm, '');
      const before = values(readFileSync(secretPath, 'utf8'));
      const again = run('tools/gen-k8s-yaml.sh', [
        ...['-r', 'r', '-o', overlay, '-d', out, '-s', '-k', secrets],
      ]);
      expect(again.status, again.stderr).toBe(0);
      expect(values(readFileSync(secretPath, 'utf8'))).toBe(before);
    },
    // Two runs, each rendering with kubectl and starting the CLI.
    60_000,
  );

  it('refuses an unknown overlay and an unsafe password', () => {
    expect(run('tools/gen-k8s-yaml.sh', ['-r', 'r', '-o', 'nope', '-d', out]).status).toBe(2);
    const secrets = join(out, 'unsafe');
    mkdirSync(secrets);
    writeFileSync(join(secrets, 'worker'), "quote'in-the-password-0123\n");
    const unsafe = run('tools/gen-k8s-yaml.sh', ['-r', 'r', '-d', out, '-s', '-k', secrets]);
    expect(unsafe.status).toBe(2);
    expect(unsafe.stderr).toContain('no quotes or backslashes');
  });
});

describe.each(IMAGES)('container/%s.Dockerfile', (image) => {
  const text = readFileSync(join(ROOT, `container/${image}.Dockerfile`), 'utf8');
  const instructions = text.split('\n').filter((line) => /^[A-Z]+ /.test(line));

  it('is a multi-stage build on Node 20 slim that runs the ei CLI as a non-root user', () => {
    expect(text).toContain('ARG NODE_IMAGE=node:20-bookworm-slim');
    expect(instructions.filter((l) => l.startsWith('FROM '))).toEqual([
      'FROM ${NODE_IMAGE} AS build',
      'FROM ${NODE_IMAGE}',
    ]);
    expect(instructions).toContain('USER 10001:10001');
    // The same Node flags `ei up` gives its children (see @ei/core node-flags.ts).
    expect(instructions).toContain(
      `ENTRYPOINT ${JSON.stringify(['node', ...SERVICE_NODE_FLAGS, '/app/services/cli/bin/ei.js']).replaceAll(',', ', ')}`,
    );
  });

  it('has ffmpeg only in the producer and the models only in the worker', () => {
    expect(/apt-get install[^\n]*ffmpeg/.test(text)).toBe(image === 'producer');
    expect(instructions.includes('COPY --from=build /app/models ./models')).toBe(
      image === 'worker',
    );
  });

  it('copies only files that exist in the build context', () => {
    for (const line of instructions.filter((l) => l.startsWith('COPY ') && !l.includes('--from'))) {
      const sources = line.split(/\s+/).slice(1, -1);
      for (const source of sources.filter((s) => s !== '.'))
        expect(statSync(join(ROOT, source)).isFile(), source).toBe(true);
    }
  });

  it('its default command is one the manifests use', () => {
    const cmd = JSON.parse(instructions.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
    expect({ gateway: 'gateway', worker: 'worker', producer: 'produce' }[image]).toBe(cmd[0]);
  });
});
