/** One float output of a model, as the decoders read it (an ORT tensor fits this shape). */
export interface OutputTensor {
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

/** A model's outputs by ONNX output name. */
export type ModelOutputs = Readonly<Record<string, OutputTensor>>;
