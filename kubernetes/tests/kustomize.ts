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

/** A JSON 6902 patch of one object, inline or in a file. */
interface Patch {
  target: { kind: string; name: string };
  patch?: string;
  path?: string;
}

interface JsonPatchOperation {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

interface Kustomization {
  kind?: string;
  namespace?: string;
  resources?: string[];
  components?: string[];
  images?: ImageRule[];
  configMapGenerator?: ConfigMapGenerator[];
  generatorOptions?: GeneratorOptions;
  patches?: Patch[];
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
  'patches',
]);

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'APIService']);

/**
 * Renders a kustomization directory like `kubectl kustomize <dir>` (for the subset above).
 * A Component adds its resources to `parent` (the objects of the kustomization that lists
 * it) and patches them.
 */
export function kustomize(directory: string, parent?: K8sObject[]): K8sObject[] {
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
  const objects: K8sObject[] = parent ?? [];
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
    kustomize(resolve(directory, component), objects);
  for (const patch of kustomization.patches ?? []) applyPatch(objects, patch, directory);
  for (const object of objects) {
    if (kustomization.namespace && !CLUSTER_SCOPED.has(object.kind)) {
      object.metadata.namespace = kustomization.namespace;
    }
    for (const rule of kustomization.images ?? []) setImages(object, rule);
  }
  return objects;
}

function applyPatch(objects: K8sObject[], patch: Patch, directory: string): void {
  const text = patch.path ? readFileSync(resolve(directory, patch.path), 'utf8') : patch.patch;
  const operations = parseAllDocuments(text ?? '')[0]?.toJS() as unknown;
  if (!Array.isArray(operations)) {
    throw new Error(`${directory}: only JSON 6902 patches (a list of operations) are supported`);
  }
  const targets = objects.filter(
    (o) => o.kind === patch.target.kind && o.metadata.name === patch.target.name,
  );
  if (targets.length === 0) {
    throw new Error(`${directory}: no ${patch.target.kind} ${patch.target.name} to patch`);
  }
  for (const target of targets) {
    for (const operation of operations as JsonPatchOperation[]) applyOperation(target, operation);
  }
}

/** One RFC 6902 operation (add, replace, remove); `-` appends to an array. */
function applyOperation(object: K8sObject, operation: JsonPatchOperation): void {
  const keys = operation.path
    .split('/')
    .slice(1)
    .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));
  const last = keys.pop()!;
  let node: unknown = object;
  for (const key of keys) {
    node = (node as Record<string, unknown>)[key];
    if (typeof node !== 'object' || node === null) {
      throw new Error(`patch ${operation.op} ${operation.path}: no such path`);
    }
  }
  if (Array.isArray(node)) {
    const index = last === '-' ? node.length : Number(last);
    if (operation.op === 'add') node.splice(index, 0, structuredClone(operation.value));
    else if (index >= node.length) throw new Error(`patch ${operation.path}: no such element`);
    else if (operation.op === 'replace') node[index] = structuredClone(operation.value);
    else node.splice(index, 1);
    return;
  }
  const record = node as Record<string, unknown>;
  if (operation.op !== 'add' && !(last in record)) {
    throw new Error(`patch ${operation.op} ${operation.path}: no such field`);
  }
  if (operation.op === 'remove') delete record[last];
  else record[last] = structuredClone(operation.value);
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
