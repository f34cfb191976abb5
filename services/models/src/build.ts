/**
 * @ei/models/build: build-time model tools — our TF.js → ONNX converter and the
 * install-time generation of the shipped models. Their dependencies (onnx-proto, the
 * TF.js weights package) are devDependencies: a production install leaves them out.
 */
export { convertTfjsModelFile, convertTfjsGraphToOnnx } from './convert/tfjs-to-onnx-converter.js';
export type { ConversionSummary, ConvertOptions } from './convert/tfjs-to-onnx-converter.js';
export { OnnxGraphBuilder, ONNX_OPSET } from './convert/onnx-graph-builder.js';
export type { OnnxAttributeValue, OnnxValueInfo } from './convert/onnx-graph-builder.js';
export { readTfjsGraph } from './convert/tfjs-graph.js';
export type { TfjsGraph } from './convert/tfjs-graph.js';
export { UnsupportedOpError } from './convert/unsupported-op-error.js';
export { convertedModelPins, prepareModels } from './builtin/prepare-models.js';
export type { PrepareModelsOptions, PreparedModel } from './builtin/prepare-models.js';
export { BUILTIN_MODELS, CONVERTER_VERSION, SOURCE_PACKAGE } from './builtin/builtin-models.js';
export { ModelSourceMissingError } from './builtin/model-source-missing-error.js';
