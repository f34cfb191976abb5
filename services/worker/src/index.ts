/** @ei/worker: the inference service and the detection engine it runs. */

// Detection engine: pre-processing, decoders, NMS and the Detector that chains them.
export { Detector } from './detection/detector.js';
export type {
  DetectorOptions,
  DetectionRun,
  DetectionTimings,
  InferenceRun,
} from './detection/detector.js';
export { letterboxImage, unletterboxBox } from './detection/letterbox.js';
export type {
  InputSpec,
  LetterboxTransform,
  PreparedTensor,
  TensorLayout,
} from './detection/letterbox.js';
export { DECODERS } from './detection/decoders.js';
export type {
  BoxCandidate,
  DecodeContext,
  DecoderFamily,
  DetectionDecoder,
} from './detection/detection-decoder.js';
export type { ModelOutputs, OutputTensor } from './detection/model-outputs.js';
export { intersectionOverUnion, nonMaxSuppression } from './detection/non-max-suppression.js';
export type { NmsOptions } from './detection/non-max-suppression.js';
export { ImageDecodeError } from './detection/image-decode-error.js';
export { ModelOutputError } from './detection/model-output-error.js';

// Models: the TF.js → ONNX converter, the manifest and install-time generation.
export { convertTfjsModelFile, convertTfjsGraphToOnnx } from './models/tfjs-to-onnx-converter.js';
export { OnnxGraphBuilder, ONNX_OPSET } from './models/onnx-graph-builder.js';
export type { OnnxAttributeValue, OnnxValueInfo } from './models/onnx-graph-builder.js';
export type { ConversionSummary, ConvertOptions } from './models/tfjs-to-onnx-converter.js';
export { readTfjsGraph } from './models/tfjs-graph.js';
export type { TfjsGraph } from './models/tfjs-graph.js';
export { UnsupportedOpError } from './models/unsupported-op-error.js';
export { ModelSourceMissingError } from './models/model-source-missing-error.js';
export { ModelIntegrityError } from './models/model-integrity-error.js';
export { UnknownModelError } from './models/unknown-model-error.js';
export { prepareModels } from './models/prepare-models.js';
export type { PrepareModelsOptions, PreparedModel } from './models/prepare-models.js';
export { BUILTIN_MODELS, CONVERTER_VERSION, SOURCE_PACKAGE } from './models/builtin-models.js';
export { COCO_LABELS } from './models/coco-labels.js';
export {
  MANIFEST_FILE,
  modelFilePath,
  readModelManifest,
  sha256OfFile,
  writeModelManifest,
} from './models/model-manifest.js';
export type {
  ModelInputDescription,
  ModelManifest,
  ModelManifestEntry,
  ModelSource,
} from './models/model-manifest.js';
export { defaultModelsDirectory } from './models/models-directory.js';
export { describeUserModel, loadDetector } from './models/model-registry.js';
export type { UserModelOptions } from './models/model-registry.js';

// The worker service: queue -> model -> results, with the scaling metrics.
export { InferenceWorker, modelIdentity } from './service/inference-worker.js';
export type { InferenceWorkerOptions } from './service/inference-worker.js';
export { runWorker } from './service/run-worker.js';
export type { RunningWorker, RunWorkerOptions } from './service/run-worker.js';
export { loadTypeDetector } from './service/load-type-detector.js';
export type { LoadTypeDetectorOptions } from './service/load-type-detector.js';
export { LoadTracker } from './service/load-tracker.js';
export type { LoadFigures } from './service/load-tracker.js';
export { InferenceThread } from './inference/inference-thread.js';
export { SessionRunner } from './inference/session-runner.js';
export type { InputTensor, ModelRunner, RunnerPlacement } from './inference/model-runner.js';
