/** @ei/worker: the inference service — frame queue → detector → result bus, with the scaling metrics. */
export { InferenceWorker, modelIdentity } from './inference-worker.js';
export type { InferenceWorkerOptions } from './inference-worker.js';
export { runWorker } from './run-worker.js';
export type { RunningWorker, RunWorkerOptions } from './run-worker.js';
export { loadTypeDetector } from './load-type-detector.js';
export type { LoadTypeDetectorOptions } from './load-type-detector.js';
export { LoadTracker } from './load-tracker.js';
export type { LoadFigures } from './load-tracker.js';
