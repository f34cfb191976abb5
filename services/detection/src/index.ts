/**
 * @ei/detection: the detection engine. An image goes through pre-processing (letterbox),
 * an onnxruntime session (on the caller's thread or its own), the model family's decoder
 * and NMS, and comes out as detections with boxes normalised to the image.
 */
export { Detector } from './detector.js';
export type { DetectorOptions, DetectionRun, DetectionTimings, InferenceRun } from './detector.js';
export { describeUserModel, loadDetector } from './load-detector.js';
export type { UserModelOptions } from './load-detector.js';
export { ModelCheckError } from './model-check-error.js';

// Pre-processing.
export {
  DEFAULT_MAX_IMAGE_PIXELS,
  letterboxImage,
  unletterboxBox,
} from './preprocess/letterbox.js';
export type { InputSpec, LetterboxTransform, PreparedTensor } from './preprocess/letterbox.js';
export { ImageDecodeError } from './preprocess/image-decode-error.js';
export { ImageTooLargeError } from './preprocess/image-too-large-error.js';

// Post-processing: decoders by model family, NMS.
export { DECODERS } from './postprocess/decoders.js';
export type {
  BoxCandidate,
  DecodeContext,
  DetectionDecoder,
} from './postprocess/detection-decoder.js';
export type { ModelOutputs, OutputTensor } from './postprocess/model-outputs.js';
export { intersectionOverUnion, nonMaxSuppression } from './postprocess/non-max-suppression.js';
export type { NmsOptions } from './postprocess/non-max-suppression.js';
export { ModelOutputError } from './postprocess/model-output-error.js';

// Where onnxruntime runs.
export { InferenceThread, InferenceThreadError } from './runtime/inference-thread.js';
export type {
  InferenceThreadOptions,
  ModelBytesSource,
  ThreadExit,
} from './runtime/inference-thread.js';
export { SessionRunner } from './runtime/session-runner.js';
export type { InputTensor, ModelRunner, RunnerPlacement } from './runtime/model-runner.js';
