import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ConstDataType, ConstTensor } from './const-tensor.js';
import { elementCount } from './const-tensor.js';

/** One attribute value as TF.js writes it in model.json (a JSON form of tensorflow.AttrValue). */
export interface TfAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  list?: { s?: string[]; i?: (string | number)[]; f?: number[] };
  shape?: { dim?: { size?: string | number }[] };
  tensor?: { dtype?: string; tensorShape?: { dim?: { size?: string | number }[] } };
}

export interface TfNode {
  name: string;
  op: string;
  /** Data inputs as `node` or `node:k`; control inputs (`^node`) are dropped. */
  inputs: string[];
  attr: Record<string, TfAttrValue>;
}

export interface TfTensorSignature {
  /** Tensor reference, `node:k`. */
  name: string;
  shape: number[];
}

/** A TF.js graph model read from disk: topology, weights and signature. */
export interface TfjsGraph {
  nodes: TfNode[];
  weights: Map<string, ConstTensor>;
  inputs: TfTensorSignature[];
  outputs: TfTensorSignature[];
}

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

interface ModelJson {
  format?: string;
  modelTopology: {
    node: { name: string; op: string; input?: string[]; attr?: Record<string, TfAttrValue> }[];
  };
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
  signature?: SignatureJson;
  userDefinedMetadata?: { signature?: SignatureJson };
}

interface SignatureJson {
  inputs?: Record<string, { name: string; tensorShape?: { dim?: { size?: string }[] } }>;
  outputs?: Record<string, { name: string; tensorShape?: { dim?: { size?: string }[] } }>;
}

/** Reads model.json and its weight shards (quantized weights are dequantized to float32). */
export async function readTfjsGraph(modelJsonPath: string): Promise<TfjsGraph> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as ModelJson;
  if (json.format !== undefined && json.format !== 'graph-model') {
    throw new Error(`${modelJsonPath} is a TF.js "${json.format}", not a graph model`);
  }
  const weights = new Map<string, ConstTensor>();
  for (const group of json.weightsManifest) {
    const shards = await Promise.all(
      group.paths.map((path) => readFile(join(dirname(modelJsonPath), path))),
    );
    const buffer = Buffer.concat(shards);
    let offset = 0;
    for (const entry of group.weights) {
      const { tensor, byteLength } = decodeWeight(entry, buffer, offset);
      weights.set(entry.name, tensor);
      offset += byteLength;
    }
    if (offset !== buffer.length) {
      throw new Error(
        `${modelJsonPath}: weight shards hold ${buffer.length} bytes, the manifest describes ${offset}`,
      );
    }
  }
  const nodes = json.modelTopology.node.map((node) => ({
    name: node.name,
    op: node.op,
    inputs: (node.input ?? []).filter((input) => !input.startsWith('^')),
    attr: node.attr ?? {},
  }));
  const signature = json.signature ?? json.userDefinedMetadata?.signature ?? {};
  const toSignature = (entries: SignatureJson['inputs']): TfTensorSignature[] =>
    Object.values(entries ?? {}).map((entry) => ({
      name: entry.name,
      shape: (entry.tensorShape?.dim ?? []).map((dim) => Number(dim.size ?? -1)),
    }));
  const inputs = toSignature(signature.inputs);
  const outputs = toSignature(signature.outputs).sort((a, b) =>
    a.name.split(':')[0]!.localeCompare(b.name.split(':')[0]!, 'en', { numeric: true }),
  );
  if (inputs.length === 0) {
    // Models converted without a signature: the placeholders are the inputs.
    for (const node of nodes.filter((candidate) => candidate.op === 'Placeholder')) {
      inputs.push({
        name: `${node.name}:0`,
        shape: (node.attr.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1)),
      });
    }
  }
  if (outputs.length === 0) throw new Error(`${modelJsonPath} has no output signature`);
  return { nodes, weights, inputs, outputs };
}

function decodeWeight(
  entry: WeightEntry,
  buffer: Buffer,
  offset: number,
): { tensor: ConstTensor; byteLength: number } {
  const count = elementCount(entry.shape);
  const dtype = toDataType(entry.dtype, entry.name);
  const quantization = entry.quantization;
  if (quantization === undefined) {
    const byteLength = count * 4;
    const bytes = buffer.subarray(offset, offset + byteLength);
    const aligned = new Uint8Array(bytes); // copy: shard offsets need not be 4-byte aligned
    const data =
      dtype === 'float32' ? new Float32Array(aligned.buffer) : new Int32Array(aligned.buffer);
    return { tensor: { dtype, shape: entry.shape, data }, byteLength };
  }
  const data = new Float32Array(count);
  if (quantization.dtype === 'float16') {
    for (let i = 0; i < count; i++) data[i] = halfToFloat(buffer.readUInt16LE(offset + 2 * i));
    return { tensor: { dtype: 'float32', shape: entry.shape, data }, byteLength: 2 * count };
  }
  // Affine quantization: value = q * scale + min (TF.js io/weights_loader semantics).
  const scale = quantization.scale ?? 1;
  const min = quantization.min ?? 0;
  const width = quantization.dtype === 'uint8' ? 1 : 2;
  for (let i = 0; i < count; i++) {
    const q = width === 1 ? buffer[offset + i]! : buffer.readUInt16LE(offset + 2 * i);
    data[i] = q * scale + min;
  }
  const tensor: ConstTensor =
    dtype === 'float32'
      ? { dtype, shape: entry.shape, data }
      : { dtype, shape: entry.shape, data: Int32Array.from(data, Math.round) };
  return { tensor, byteLength: width * count };
}

function toDataType(dtype: string, name: string): ConstDataType {
  if (dtype === 'float32' || dtype === 'int32' || dtype === 'bool') return dtype;
  if (dtype === 'int64') return 'int64';
  throw new Error(`weight ${name} has dtype ${dtype}, which the converter does not support`);
}

/** IEEE 754 binary16 → number. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** Splits `node:k` into the node name and output index. */
export function parseTensorRef(ref: string): { node: string; index: number } {
  const match = /^(.*):(\d+)$/.exec(ref);
  return match ? { node: match[1]!, index: Number(match[2]) } : { node: ref, index: 0 };
}

/** `node` and `node:0` name the same tensor; this is the one spelling used as a map key. */
export function canonicalRef(ref: string): string {
  const { node, index } = parseTensorRef(ref);
  return `${node}:${index}`;
}

export function attrString(node: TfNode, key: string): string | undefined {
  const value = node.attr[key]?.s;
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

export function attrStrings(node: TfNode, key: string): string[] {
  return (node.attr[key]?.list?.s ?? []).map((value) =>
    Buffer.from(value, 'base64').toString('utf8'),
  );
}

export function attrInts(node: TfNode, key: string): number[] {
  return (node.attr[key]?.list?.i ?? []).map(Number);
}

export function attrInt(node: TfNode, key: string): number | undefined {
  const value = node.attr[key]?.i;
  return value === undefined ? undefined : Number(value);
}

export function attrFloat(node: TfNode, key: string): number | undefined {
  return node.attr[key]?.f;
}

export function attrBool(node: TfNode, key: string): boolean | undefined {
  return node.attr[key]?.b;
}
