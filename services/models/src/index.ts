/**
 * @ei/models: what a model is to the platform at run time — the manifest (name, version,
 * sha256, input contract, decoder, labels), the models folder, label sets, the pinned
 * sha256 of the shipped models, reading a model file as verified bytes, and the errors of
 * a missing, corrupt or tampered model. Build tools (the TF.js → ONNX converter, install-time
 * generation) are in `@ei/models/build`, so runtime images do not carry their
 * dependencies.
 */
export {
  MANIFEST_FILE,
  modelFilePath,
  readModelManifest,
  sha256Hex,
  writeModelManifest,
} from './manifest/model-manifest.js';
export type {
  DecoderFamily,
  ModelInputDescription,
  ModelManifest,
  ModelManifestEntry,
  ModelSource,
  TensorLayout,
} from './manifest/model-manifest.js';
export { assertPinned, readVerifiedModel } from './manifest/model-bytes.js';
export { PINNED_SHA256, pinnedSha256 } from './builtin/builtin-models.js';
export { ModelPinError } from './builtin/model-pin-error.js';
export { defaultModelsDirectory } from './manifest/models-directory.js';
export { COCO_LABELS } from './manifest/coco-labels.js';
export { ModelIntegrityError } from './manifest/model-integrity-error.js';
export { UnknownModelError } from './manifest/unknown-model-error.js';
