import { OnnxGraphBuilder } from '@ei/models/build';

/**
 * A tiny ONNX model whose outputs are the given constants, made to depend on the input so
 * onnxruntime runs a real graph from the image: output = constant + 0 · max(input).
 */
export function constantOutputModel(
  input: { name: string; shape: number[] },
  outputs: { name: string; shape: number[]; values: number[] }[],
): Uint8Array {
  const builder = new OnnxGraphBuilder();
  const [max] = builder.addNode('ReduceMax', [input.name], ['max'], { keepdims: 1 });
  const zero = builder.addFloatInitializer('zero', {
    dtype: 'float32',
    shape: [],
    data: Float32Array.of(0),
  });
  const [zeroed] = builder.addNode('Mul', [max!, zero], ['zeroed']);
  for (const output of outputs) {
    const shape = builder.addInt64Initializer(
      `${output.name}/ones`,
      [output.shape.length],
      output.shape.map(() => 1),
    );
    const [scalar] = builder.addNode('Reshape', [zeroed!, shape], [`${output.name}/zero`]);
    const values = builder.addFloatInitializer(`${output.name}/values`, {
      dtype: 'float32',
      shape: output.shape,
      data: Float32Array.from(output.values),
    });
    builder.addNode('Add', [values, scalar!], [output.name]);
  }
  return builder.encode([input], outputs, {}, 'synthetic');
}

/** [1, rows, cols] laid out as [1, cols, rows]. */
export function transposeRows(rows: number[][]): number[] {
  return rows[0]!.flatMap((_, column) => rows.map((row) => row[column]!));
}
