/** Browser-safe part of @ei/core: result types and the live result codec. No Node modules. */
export type {
  Detection,
  InferenceResult,
  ModelIdentity,
  StageTimings,
} from './results/inference-result.js';
export {
  decodeResultMessage,
  encodeResultMessage,
  ResultDecodeError,
  RESULT_VERSION,
} from './results/result-codec.js';
