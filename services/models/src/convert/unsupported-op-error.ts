import { EiError } from '@ei/core';

/** The TF.js graph uses an op the converter cannot express in ONNX. */
export class UnsupportedOpError extends EiError {
  constructor(
    readonly op: string,
    readonly node: string,
    detail = 'no ONNX mapping for this op',
  ) {
    super('models/unsupported-op', `unsupported op ${op} at node "${node}": ${detail}`);
  }
}
