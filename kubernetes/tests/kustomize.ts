import { readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as parsed from YAML. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
}

interface GeneratorOptions {
  disableNameSuffixHash?: boolean;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface ConfigMapGenerator {
  name: string;
  namespace?: string;
  files?: string[];
  options?: GeneratorOptions;
}

interface Kustomization {
  namespace?: string;
  resources?: string[];
  components?: string[];
  images?: ImageRule[];
  configMapGenerator?: ConfigMapGenerator[];
  generatorOptions?: GeneratorOptions;
  [key: string]: unknown;
}

// The subset of kustomize that kubernetes/ uses. Anything else is refused, so a new
// feature in a kustomization.yaml fails here loudly instead of rendering differently
// from kubectl kustomize (which the tests also compare against when it is installed).
const SUPPORTED = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'resources',
  'components',
  'images',
  'configMapGenerator',
  'generatorOptions',
]);

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'APIService']);

/** Renders a kustomization directory like `kubectl kustomize <dir>` (for the subset above). */
export function kustomize(directory: string): K8sObject[] {
  const kustomization = readYamlDocuments(
    join(directory, 'kustomization.yaml'),
  )[0] as Kustomization;
  for (const key of Object.keys(kustomization)) {
    if (!SUPPORTED.has(key)) {
      throw new Error(
        `${directory}/kustomization.yaml: "${key}" is not supported by kubernetes/tests/kustomize.ts`,
      );
    }
  }
  const objects: K8sObject[] = [];
  for (const entry of kustomization.resources ?? [])
    objects.push(...loadResource(resolve(directory, entry)));
  for (const generator of kustomization.configMapGenerator ?? []) {
    if (kustomization.generatorOptions?.disableNameSuffixHash !== true) {
      throw new Error(
        `${directory}: configMapGenerator needs generatorOptions.disableNameSuffixHash: true`,
      );
    }
    const options = { ...kustomization.generatorOptions, ...generator.options };
    const data: Record<string, string> = {};
    for (const file of generator.files ?? [])
      data[basename(file)] = readFileSync(resolve(directory, file), 'utf8');
    const metadata: K8sObject['metadata'] = { name: generator.name };
    if (generator.namespace) metadata.namespace = generator.namespace;
    const labels = { ...kustomization.generatorOptions?.labels, ...generator.options?.labels };
    if (Object.keys(labels).length > 0) metadata.labels = labels;
    if (options.annotations) metadata.annotations = options.annotations;
    objects.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data });
  }
  for (const component of kustomization.components ?? [])
    objects.push(...kustomize(resolve(directory, component)));
  for (const object of objects) {
    if (kustomization.namespace && !CLUSTER_SCOPED.has(object.kind)) {
      object.metadata.namespace = kustomization.namespace;
    }
    for (const rule of kustomization.images ?? []) setImages(object, rule);
  }
  return objects;
}

function loadResource(path: string): K8sObject[] {
  if (statSync(path).isDirectory()) return kustomize(path);
  return readYamlDocuments(path) as K8sObject[];
}

export function readYamlDocuments(path: string): unknown[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${path}: ${document.errors[0]!.message}`);
      return document.toJS() as unknown;
    })
    .filter((value) => value !== null);
}

function setImages(object: K8sObject, rule: ImageRule): void {
  const spec = (object.spec as { template?: { spec?: PodSpec } } | undefined)?.template?.spec;
  if (!spec) return;
  for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    const [name, tag] = splitImage(container.image);
    if (name !== rule.name) continue;
    container.image = `${rule.newName ?? name}${(rule.newTag ?? tag) ? `:${rule.newTag ?? tag}` : ''}`;
  }
}

interface PodSpec {
  containers?: { image: string }[];
  initContainers?: { image: string }[];
}

function splitImage(image: string): [string, string | undefined] {
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  return colon > slash ? [image.slice(0, colon), image.slice(colon + 1)] : [image, undefined];
}
