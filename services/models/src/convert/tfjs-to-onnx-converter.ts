import { writeFile } from 'node:fs/promises';
import type { ConstTensor } from './const-tensor.js';
import { foldConstantNode } from './constant-folder.js';
import { OnnxGraphBuilder } from './onnx-graph-builder.js';
import type { MappingContext } from './tf-op-mapper.js';
import { mapTfNode } from './tf-op-mapper.js';
import type { TfjsGraph, TfNode } from './tfjs-graph.js';
import { canonicalRef, parseTensorRef, readTfjsGraph } from './tfjs-graph.js';
import { UnsupportedOpError } from './unsupported-op-error.js';

export interface ConvertOptions {
  /** Stored in the ONNX metadata_props, e.g. the source package and version. */
  metadata?: Record<string, string>;
}

export interface ConversionSummary {
  /** ONNX names of the model's inputs and outputs, in signature order. */
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  /** TF nodes evaluated at conversion time. */
  foldedNodes: number;
  /** TF nodes mapped to ONNX ops, by TF op. */
  mappedOps: Record<string, number>;
}

/** `node:0` → `node`: the names the ONNX model gives its inputs and outputs. */
export function onnxIoName(tfRef: string): string {
  return parseTensorRef(tfRef).node;
}

/** Converts a TF.js graph model (model.json + shards) to ONNX bytes. */
export async function convertTfjsGraphToOnnx(
  graph: TfjsGraph,
  options: ConvertOptions = {},
): Promise<{ bytes: Uint8Array; summary: ConversionSummary }> {
  const builder = new OnnxGraphBuilder();
  const constants = new Map<string, ConstTensor>();
  const values = new Map<string, string>();
  const summary: ConversionSummary = { inputs: [], outputs: [], foldedNodes: 0, mappedOps: {} };

  const nodesByName = new Map(graph.nodes.map((node) => [node.name, node]));
  for (const node of graph.nodes) {
    if (node.op !== 'Const') continue;
    const weight = graph.weights.get(node.name);
    if (weight === undefined)
      throw new UnsupportedOpError(
        'Const',
        node.name,
        'no weight with this name in the weights manifest',
      );
    constants.set(`${node.name}:0`, weight);
  }
  for (const input of graph.inputs) {
    const name = onnxIoName(input.name);
    values.set(canonicalRef(input.name), name);
    summary.inputs.push({ name, shape: input.shape });
  }

  const ctx: MappingContext = {
    builder,
    constant: (ref) => constants.get(canonicalRef(ref)),
    value: (ref) => {
      const key = canonicalRef(ref);
      const existing = values.get(key);
      if (existing !== undefined) return existing;
      const constant = constants.get(key);
      if (constant === undefined) throw new Error(`tensor ${ref} is used before it is computed`);
      const name =
        constant.dtype === 'float32'
          ? builder.addFloatInitializer(key, constant)
          : builder.addInt64Initializer(key, constant.shape, Array.from(constant.data));
      values.set(key, name);
      return name;
    },
  };

  // Only what the outputs depend on is converted, in dependency order.
  for (const node of topologicalOrder(graph, nodesByName)) {
    if (node.op === 'Const' || node.op === 'Placeholder') continue;
    const inputs = node.inputs.map((input) => constants.get(canonicalRef(input)));
    if (inputs.every((input): input is ConstTensor => input !== undefined)) {
      const folded = foldConstantNode(node, inputs);
      if (folded !== undefined) {
        folded.forEach((tensor, k) => constants.set(`${node.name}:${k}`, tensor));
        summary.foldedNodes++;
        continue;
      }
    }
    mapTfNode(node, ctx);
    for (let k = 0; k < 8; k++) values.set(`${node.name}:${k}`, `${node.name}:${k}`);
    summary.mappedOps[node.op] = (summary.mappedOps[node.op] ?? 0) + 1;
  }

  for (const output of graph.outputs) {
    const name = onnxIoName(output.name);
    builder.addNode('Identity', [ctx.value(output.name)], [name]);
    summary.outputs.push({ name, shape: output.shape });
  }
  const bytes = builder.encode(
    summary.inputs,
    summary.outputs,
    options.metadata ?? {},
    'tfjs-graph',
  );
  return { bytes, summary };
}

/** Reads model.json, converts it and writes the ONNX file. */
export async function convertTfjsModelFile(
  modelJsonPath: string,
  onnxPath: string,
  options: ConvertOptions = {},
): Promise<ConversionSummary> {
  const graph = await readTfjsGraph(modelJsonPath);
  const { bytes, summary } = await convertTfjsGraphToOnnx(graph, options);
  await writeFile(onnxPath, bytes);
  return summary;
}

/** The converted bytes of a model.json, for callers that hash before writing. */
export async function convertTfjsModelToBytes(
  modelJsonPath: string,
  options: ConvertOptions = {},
): Promise<Uint8Array> {
  return (await convertTfjsGraphToOnnx(await readTfjsGraph(modelJsonPath), options)).bytes;
}

function topologicalOrder(graph: TfjsGraph, nodesByName: Map<string, TfNode>): TfNode[] {
  const order: TfNode[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    if (state.get(name) === 'done') return;
    const node = nodesByName.get(name);
    if (node === undefined) throw new Error(`the graph refers to a missing node "${name}"`);
    if (state.get(name) === 'visiting') throw new Error(`the graph has a cycle through "${name}"`);
    state.set(name, 'visiting');
    // Iterative depth would be safer for very deep graphs; these detectors are a few hundred nodes deep.
    for (const input of node.inputs) visit(parseTensorRef(input).node);
    state.set(name, 'done');
    order.push(node);
  };
  for (const output of graph.outputs) visit(parseTensorRef(output.name).node);
  return order;
}
