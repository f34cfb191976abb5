import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';

export const MANIFEST_FILE = 'manifest.json';

/** Memory order of an image input: channels first (`[1, 3, H, W]`) or last (`[1, H, W, 3]`). */
export type TensorLayout = 'nchw' | 'nhwc';

/** The output decoders the detection engine implements, by model family. */
export type DecoderFamily = 'nanodet' | 'blazeface' | 'yolo' | 'ssd';

/** Where a shipped model comes from: the npm package and file it is converted from. */
export interface ModelSource {
  package: string;
  version: string;
  file: string;
  /** Version of `ei models convert` that produced the ONNX file. */
  converter: string;
}

export interface ModelInputDescription {
  /** ONNX input name. */
  name: string;
  /** `[1, 3, H, W]` for nchw, `[1, H, W, 3]` for nhwc. */
  shape: number[];
  layout: TensorLayout;
  /** RGB, 0..255: the model sees `(pixel - mean) / std`. */
  mean: [number, number, number];
  std: [number, number, number];
}

/** One model the workers and `ei detect` can run. */
export interface ModelManifestEntry {
  name: string;
  version: string;
  /** ONNX file, relative to the manifest's folder or absolute. */
  file: string;
  sha256: string;
  /** Set for the shipped models, generated at install time. */
  source?: ModelSource;
  input: ModelInputDescription;
  decoder: DecoderFamily;
  labels: string[];
  /** Licence of the weights. */
  licence?: string;
}

export interface ModelManifest {
  manifestVersion: 1;
  models: Record<string, ModelManifestEntry>;
}

export async function readModelManifest(modelsDir: string): Promise<ModelManifest> {
  try {
    const manifest = JSON.parse(
      await readFile(join(modelsDir, MANIFEST_FILE), 'utf8'),
    ) as ModelManifest;
    if (manifest.manifestVersion !== 1 || typeof manifest.models !== 'object')
      throw new Error('unknown manifest format');
    return manifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { manifestVersion: 1, models: {} };
    throw error;
  }
}

/** Writes through a temporary file so a reader never sees half a manifest. */
export async function writeModelManifest(
  modelsDir: string,
  manifest: ModelManifest,
): Promise<void> {
  const path = join(modelsDir, MANIFEST_FILE);
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(temporary, path);
}

export function modelFilePath(modelsDir: string, entry: ModelManifestEntry): string {
  return isAbsolute(entry.file) ? entry.file : join(modelsDir, entry.file);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export async function sha256OfFile(path: string): Promise<string> {
  return sha256Hex(await readFile(path));
}
