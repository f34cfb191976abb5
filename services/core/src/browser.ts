/**
 * Browser-safe part of @ei/core: the live result codec and the types the gateway's answers
 * carry (type-only exports: nothing of their Node modules reaches a bundle).
 */
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
export { Backoff, type BackoffOptions } from './time/backoff.js';
export type { PlatformEvent } from './events/event-log.js';
export type { StreamInfo, StreamState } from './registry/stream-registry.js';
export type { WorkerStatus } from './registry/worker-registry.js';
