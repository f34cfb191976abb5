import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  assertPinned,
  ModelIntegrityError,
  modelFilePath,
  readModelManifest,
  sha256Hex,
  UnknownModelError,
  type DecoderFamily,
  type ModelManifestEntry,
  type TensorLayout,
} from '@ei/models';
import type { DetectorOptions } from './detector.js';
import { Detector } from './detector.js';

/**
 * Loads a model of the manifest by name. A shipped model must have its pinned sha256,
 * whatever the manifest says.
 */
export async function loadDetector(
  name: string,
  modelsDir: string,
  options: DetectorOptions = {},
): Promise<Detector> {
  const manifest = await readModelManifest(modelsDir);
  const entry = manifest.models[name];
  if (entry === undefined)
    throw new UnknownModelError(name, Object.keys(manifest.models), modelsDir);
  assertPinned(entry);
  const path = modelFilePath(modelsDir, entry);
  await access(path).catch(() => {
    throw new ModelIntegrityError(
      `model ${name}: ${path} is missing; run \`ei models prepare\` (shipped models) or \`ei models add\` again (your own)`,
    );
  });
  return Detector.load(entry, path, options);
}

export interface UserModelOptions {
  name: string;
  /** The ONNX file. */
  path: string;
  decoder: DecoderFamily;
  /** Labels in output order, or a file with one label per line. */
  labels: string[] | string;
  /** Default: from the input shape (a dimension of 3 after the batch: nchw). */
  layout?: TensorLayout;
  /** Default: 0 (YOLO) or 127.5 (SSD). */
  mean?: number;
  /** Default: 255 (YOLO) or 127.5 (SSD). */
  std?: number;
  version?: string;
  /** Expected sha256 of the file (config `models.<name>.sha256`); a mismatch is refused. */
  sha256?: string;
}

/**
 * Builds the manifest entry of a user's ONNX detector (YOLO or SSD family): reads the file
 * once, hashes it (and checks `sha256` when given) before onnxruntime parses those bytes
 * for the input description, and loads the labels. `Detector.load` then checks that the
 * model's outputs fit the decoder.
 */
export async function describeUserModel(options: UserModelOptions): Promise<ModelManifestEntry> {
  const path = resolve(options.path);
  const labels = Array.isArray(options.labels)
    ? options.labels
    : (await readFile(options.labels, 'utf8'))
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length > 0);
  if (labels.length === 0) throw new ModelIntegrityError(`model ${options.name}: no labels`);
  const bytes = await readFile(path);
  const sha256 = sha256Hex(bytes);
  if (options.sha256 !== undefined && options.sha256 !== sha256) {
    throw new ModelIntegrityError(
      `model ${options.name}: ${path} has sha256 ${sha256}, the configuration expects ${options.sha256}`,
    );
  }
  const session = await ort.InferenceSession.create(bytes);
  try {
    const metadata = session.inputMetadata[0];
    if (metadata === undefined || !metadata.isTensor)
      throw new ModelIntegrityError(`model ${options.name}: the ONNX file has no tensor input`);
    // A dynamic batch dimension is run with batch 1.
    const shape = metadata.shape.map((dim, axis) =>
      typeof dim === 'number' && dim > 0 ? dim : axis === 0 ? 1 : -1,
    );
    if (shape.length !== 4 || shape.slice(1).some((dim) => dim <= 0)) {
      throw new ModelIntegrityError(
        `model ${options.name}: input ${metadata.name} has shape [${metadata.shape.join(', ')}]; a fixed [1, 3, H, W] or [1, H, W, 3] is needed`,
      );
    }
    const layout = options.layout ?? (shape[1] === 3 ? 'nchw' : 'nhwc');
    const defaults =
      options.decoder === 'ssd' ? { mean: 127.5, std: 127.5 } : { mean: 0, std: 255 };
    const mean = options.mean ?? defaults.mean;
    const std = options.std ?? defaults.std;
    return {
      name: options.name,
      version: options.version ?? '1',
      file: path,
      sha256,
      input: { name: metadata.name, shape, layout, mean: [mean, mean, mean], std: [std, std, std] },
      decoder: options.decoder,
      labels,
    };
  } finally {
    await session.release();
  }
}
