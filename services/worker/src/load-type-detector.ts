import type { EiConfig } from '@ei/core';
import {
  Detector,
  describeUserModel,
  loadDetector,
  type DetectorOptions,
  type RunnerPlacement,
} from '@ei/detection';

export interface LoadTypeDetectorOptions {
  /** Folder of the generated models and manifest. */
  modelsDir: string;
  /** onnxruntime intra-op threads. Default 1: workers scale by replicas. */
  intraOpThreads?: number;
  /** Where the session runs. Default `thread` (see bench/results/worker.json for why). */
  runOn?: RunnerPlacement;
}

/**
 * The detector of an inference type: the type's `model` is a user model of the config
 * (`models.<name>`, verified against its sha256 when given) or a model of the manifest
 * (a shipped one against its pinned sha256). It runs on its own thread. Throws a clear
 * error when the model is missing, corrupt, tampered with, or its outputs do not fit its
 * decoder.
 */
export async function loadTypeDetector(
  config: EiConfig,
  type: string,
  options: LoadTypeDetectorOptions,
): Promise<Detector> {
  const typeConfig = config.types[type];
  if (!typeConfig) throw new RangeError(`unknown inference type "${type}"`);
  const detectorOptions: DetectorOptions = {
    intraOpThreads: options.intraOpThreads ?? 1,
    scoreThreshold: typeConfig.minScore,
    maxImagePixels: config.limits.maxImagePixels,
    runOn: options.runOn ?? 'thread',
  };
  const userModel = config.models[typeConfig.model];
  if (userModel) {
    const entry = await describeUserModel({
      name: typeConfig.model,
      path: userModel.path,
      decoder: userModel.decoder,
      labels: userModel.labels ?? [],
      sha256: userModel.sha256,
    });
    // Read and hashed again: the bytes loaded must be the bytes just described.
    return Detector.load(entry, entry.file, detectorOptions);
  }
  return loadDetector(typeConfig.model, options.modelsDir, detectorOptions);
}
