/** Element types the converter knows. TF.js stores int64 weights as int32, so do we. */
export type ConstDataType = 'float32' | 'int32' | 'int64' | 'bool';

/** A tensor whose value is known at conversion time: a weight or a folded subgraph. */
export interface ConstTensor {
  dtype: ConstDataType;
  shape: number[];
  /** float32 values in a Float32Array, every integer and bool type in an Int32Array. */
  data: Float32Array | Int32Array;
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((count, dim) => count * dim, 1);
}

export function constTensor(
  dtype: ConstDataType,
  shape: number[],
  values: ArrayLike<number>,
): ConstTensor {
  const data = dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values);
  if (data.length !== elementCount(shape)) {
    throw new Error(`tensor of shape [${shape.join(', ')}] cannot hold ${data.length} values`);
  }
  return { dtype, shape, data };
}

/** Values of a small integer tensor (shapes, axes, paddings) as plain numbers. */
export function intValues(tensor: ConstTensor): number[] {
  return Array.from(tensor.data, (value) => Math.trunc(value));
}
