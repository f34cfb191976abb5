import type { ConstDataType, ConstTensor } from './const-tensor.js';
import { constTensor, elementCount, intValues } from './const-tensor.js';
import type { TfNode } from './tfjs-graph.js';
import { attrInt } from './tfjs-graph.js';

type Folder = (node: TfNode, inputs: ConstTensor[]) => ConstTensor[];

/**
 * Evaluates, at conversion time, the ops that TF.js graphs compute from constants only
 * (shape arithmetic such as the Where/GatherV2/SparseToDense chains onnx-tf leaves in
 * nanodet). Folding them keeps int64 shape maths and ops ONNX lacks out of the model.
 */
export function foldConstantNode(node: TfNode, inputs: ConstTensor[]): ConstTensor[] | undefined {
  const folder = FOLDERS[node.op];
  return folder === undefined ? undefined : folder(node, inputs);
}

const binary =
  (fn: (a: number, b: number) => number): Folder =>
  (_node, [a, b]) => [broadcast(a!, b!, fn)];

const FOLDERS: Record<string, Folder> = {
  Identity: (_node, [x]) => [x!],
  Cast: (node, [x]) => {
    const target = tfTypeToDataType(node.attr.DstT?.type);
    return [
      constTensor(
        target,
        x!.shape,
        target === 'float32' ? x!.data : Array.from(x!.data, Math.trunc),
      ),
    ];
  },
  Add: binary((a, b) => a + b),
  AddV2: binary((a, b) => a + b),
  Sub: binary((a, b) => a - b),
  Mul: binary((a, b) => a * b),
  Maximum: binary(Math.max),
  Minimum: binary(Math.min),
  Reshape: (_node, [x, shape]) => [
    constTensor(x!.dtype, resolveShape(intValues(shape!), x!.data.length), x!.data),
  ],
  Transpose: (_node, [x, perm]) => [transpose(x!, intValues(perm!))],
  ConcatV2: (_node, inputs) => {
    const axisTensor = inputs[inputs.length - 1]!;
    return [concat(inputs.slice(0, -1), intValues(axisTensor)[0]!)];
  },
  Pack: (node, inputs) => {
    const axis = attrInt(node, 'axis') ?? 0;
    if (axis !== 0) throw new Error(`cannot fold Pack on axis ${axis} (node ${node.name})`);
    const first = inputs[0]!;
    const values = inputs.flatMap((input) => Array.from(input.data));
    return [constTensor(first.dtype, [inputs.length, ...first.shape], values)];
  },
  Where: (_node, [condition]) => {
    // One row of coordinates per true element, in row-major order (tf.where semantics).
    const x = condition!;
    const rows: number[] = [];
    const strides = stridesOf(x.shape);
    x.data.forEach((value, flat) => {
      if (value === 0) return;
      strides.forEach((stride, d) => rows.push(Math.floor(flat / stride) % x.shape[d]!));
    });
    return [
      constTensor('int64', [rows.length / Math.max(x.shape.length, 1), x.shape.length], rows),
    ];
  },
  GatherV2: (node, [params, indices, axisTensor]) => {
    const axis = intValues(axisTensor!)[0] ?? 0;
    if (axis !== 0) throw new Error(`cannot fold GatherV2 on axis ${axis} (node ${node.name})`);
    const p = params!;
    const inner = elementCount(p.shape.slice(1));
    const values: number[] = [];
    for (const index of intValues(indices!))
      values.push(...p.data.subarray(index * inner, (index + 1) * inner));
    return [constTensor(p.dtype, [...indices!.shape, ...p.shape.slice(1)], values)];
  },
  SparseToDense: (_node, [indices, outputShape, sparseValues, defaultValue]) => {
    const shape = intValues(outputShape!);
    const dense = new Array<number>(elementCount(shape)).fill(defaultValue!.data[0] ?? 0);
    const rank = shape.length;
    const idx = intValues(indices!);
    const count = rank === 0 ? 0 : idx.length / Math.max(rank, 1);
    const strides = stridesOf(shape);
    for (let n = 0; n < count; n++) {
      let flat = 0;
      for (let d = 0; d < rank; d++) flat += idx[n * rank + d]! * strides[d]!;
      dense[flat] =
        sparseValues!.data.length === 1 ? sparseValues!.data[0]! : sparseValues!.data[n]!;
    }
    return [constTensor(sparseValues!.dtype, shape, dense)];
  },
  Shape: (_node, [x]) => [constTensor('int32', [x!.shape.length], x!.shape)],
};

export function tfTypeToDataType(type: string | undefined): ConstDataType {
  switch (type) {
    case 'DT_FLOAT':
      return 'float32';
    case 'DT_INT64':
      return 'int64';
    case 'DT_BOOL':
      return 'bool';
    default:
      return 'int32';
  }
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  return strides;
}

function resolveShape(shape: number[], count: number): number[] {
  const known = shape.filter((dim) => dim !== -1).reduce((a, b) => a * b, 1);
  return shape.map((dim) => (dim === -1 ? count / known : dim));
}

function broadcast(
  a: ConstTensor,
  b: ConstTensor,
  fn: (x: number, y: number) => number,
): ConstTensor {
  const rank = Math.max(a.shape.length, b.shape.length);
  const pad = (shape: number[]): number[] => [
    ...new Array<number>(rank - shape.length).fill(1),
    ...shape,
  ];
  const sa = pad(a.shape);
  const sb = pad(b.shape);
  const out = sa.map((dim, d) => Math.max(dim, sb[d]!));
  const stridesOut = stridesOf(out);
  const stridesA = stridesOf(sa);
  const stridesB = stridesOf(sb);
  const values = new Array<number>(elementCount(out));
  for (let flat = 0; flat < values.length; flat++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      const coord = Math.floor(flat / stridesOut[d]!) % out[d]!;
      if (sa[d] !== 1) ia += coord * stridesA[d]!;
      if (sb[d] !== 1) ib += coord * stridesB[d]!;
    }
    values[flat] = fn(a.data[ia]!, b.data[ib]!);
  }
  return constTensor(a.dtype, out, values);
}

export function transpose(x: ConstTensor, perm: number[]): ConstTensor {
  const shape = perm.map((axis) => x.shape[axis]!);
  const stridesIn = stridesOf(x.shape);
  const stridesOut = stridesOf(shape);
  const data =
    x.dtype === 'float32' ? new Float32Array(x.data.length) : new Int32Array(x.data.length);
  for (let flat = 0; flat < data.length; flat++) {
    let source = 0;
    for (let d = 0; d < perm.length; d++)
      source += (Math.floor(flat / stridesOut[d]!) % shape[d]!) * stridesIn[perm[d]!]!;
    data[flat] = x.data[source]!;
  }
  return { dtype: x.dtype, shape, data };
}

function concat(inputs: ConstTensor[], axis: number): ConstTensor {
  const first = inputs[0]!;
  const rank = first.shape.length;
  const a = axis < 0 ? axis + rank : axis;
  const outer = elementCount(first.shape.slice(0, a));
  const values: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const input of inputs) {
      const inner = elementCount(input.shape.slice(a));
      values.push(...input.data.subarray(o * inner, (o + 1) * inner));
    }
  }
  const shape = [...first.shape];
  shape[a] = inputs.reduce((sum, input) => sum + input.shape[a]!, 0);
  return constTensor(first.dtype, shape, values);
}
