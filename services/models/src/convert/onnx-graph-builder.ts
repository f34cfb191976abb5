import { createRequire } from 'node:module';
import type { onnx as OnnxNamespace } from 'onnx-proto';
import type { ConstTensor } from './const-tensor.js';

// onnx-proto is CommonJS: its static protobufjs code for onnx.proto (the ONNX project's own schema).
const { onnx } = createRequire(import.meta.url)('onnx-proto') as { onnx: typeof OnnxNamespace };

/** The opset the converter targets: 18 is the first with Resize `axes`, which spares us shape inference. */
export const ONNX_OPSET = 18;
const IR_VERSION = 8;

export type OnnxAttributeValue = number | string | number[] | { float: number };

export interface OnnxValueInfo {
  name: string;
  shape: number[];
}

/** Collects nodes and initializers, then encodes them as an ONNX ModelProto. */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxNamespace.INodeProto[] = [];
  private readonly initializers = new Map<string, OnnxNamespace.ITensorProto>();
  private readonly usedNames = new Set<string>();

  /** Adds a node and returns its output names. */
  addNode(
    opType: string,
    inputs: string[],
    outputs: string[],
    attributes: Record<string, OnnxAttributeValue> = {},
  ): string[] {
    this.nodes.push({
      opType,
      name: `${outputs[0] ?? opType}/${opType}`,
      input: inputs,
      output: outputs,
      attribute: Object.entries(attributes).map(([name, value]) => toAttribute(name, value)),
    });
    return outputs;
  }

  /** A fresh value name derived from `base`. */
  uniqueName(base: string): string {
    let name = base;
    for (let n = 1; this.usedNames.has(name); n++) name = `${base}_${n}`;
    this.usedNames.add(name);
    return name;
  }

  addFloatInitializer(name: string, tensor: ConstTensor): string {
    const data = tensor.data instanceof Float32Array ? tensor.data : Float32Array.from(tensor.data);
    return this.addInitializer(
      name,
      tensor.shape,
      onnx.TensorProto.DataType.FLOAT,
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    );
  }

  addInt64Initializer(name: string, shape: number[], values: readonly number[]): string {
    const data = BigInt64Array.from(values, (value) => BigInt(Math.trunc(value)));
    return this.addInitializer(
      name,
      shape,
      onnx.TensorProto.DataType.INT64,
      new Uint8Array(data.buffer),
    );
  }

  private addInitializer(
    name: string,
    dims: number[],
    dataType: number,
    rawData: Uint8Array,
  ): string {
    const unique = this.initializers.has(name) ? this.uniqueName(name) : name;
    this.usedNames.add(unique);
    this.initializers.set(unique, {
      name: unique,
      dims,
      dataType,
      rawData: new Uint8Array(rawData),
    });
    return unique;
  }

  encode(
    inputs: OnnxValueInfo[],
    outputs: OnnxValueInfo[],
    metadata: Record<string, string>,
    graphName: string,
  ): Uint8Array {
    const valueInfo = (info: OnnxValueInfo): OnnxNamespace.IValueInfoProto => ({
      name: info.name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: {
            dim: info.shape.map((size) => (size > 0 ? { dimValue: size } : { dimParam: 'N' })),
          },
        },
      },
    });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: 'ei models convert',
      producerVersion: '1',
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: [...this.initializers.values()],
        input: inputs.map(valueInfo),
        output: outputs.map(valueInfo),
      },
      metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function toAttribute(name: string, value: OnnxAttributeValue): OnnxNamespace.IAttributeProto {
  const { AttributeType } = onnx.AttributeProto;
  if (typeof value === 'number') return { name, type: AttributeType.INT, i: value };
  if (typeof value === 'string')
    return { name, type: AttributeType.STRING, s: Buffer.from(value, 'utf8') };
  if (Array.isArray(value)) return { name, type: AttributeType.INTS, ints: value };
  return { name, type: AttributeType.FLOAT, f: value.float };
}
