import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BuiltinModel } from './builtin-models.js';
import {
  BUILTIN_MODELS,
  CONVERTER_VERSION,
  PINNED_SHA256,
  SOURCE_PACKAGE,
} from './builtin-models.js';
import { ModelPinError } from './model-pin-error.js';
import type { ModelManifestEntry } from '../manifest/model-manifest.js';
import {
  modelFilePath,
  readModelManifest,
  sha256Hex,
  sha256OfFile,
  writeModelManifest,
} from '../manifest/model-manifest.js';
import { ModelSourceMissingError } from './model-source-missing-error.js';
import { defaultModelsDirectory } from '../manifest/models-directory.js';
import { convertTfjsModelToBytes } from '../convert/tfjs-to-onnx-converter.js';

export interface PrepareModelsOptions {
  /** Default: defaultModelsDirectory(). */
  modelsDir?: string;
  /** npm package the models are converted from. Default SOURCE_PACKAGE; tests name a missing one. */
  sourcePackage?: string;
  /** Regenerate even when the files match the manifest. */
  force?: boolean;
  /** The sha256 each generated model must have. Default PINNED_SHA256. */
  pins?: Readonly<Record<string, string>>;
  /** Progress lines, e.g. for the console. */
  onProgress?: (message: string) => void;
}

export interface PreparedModel {
  name: string;
  status: 'up-to-date' | 'generated';
  sha256: string;
  path: string;
}

/**
 * Generates the shipped ONNX models from the installed source package and records them in
 * the manifest. Idempotent: a model whose file still has the manifest's sha256, the pinned
 * one, from the same source version and converter version, is left alone. Converted bytes
 * whose sha256 is not the pinned one are refused (`ModelPinError`, nothing written). Users'
 * entries in the manifest are kept.
 */
export async function prepareModels(options: PrepareModelsOptions = {}): Promise<PreparedModel[]> {
  const modelsDir = options.modelsDir ?? defaultModelsDirectory();
  const progress = options.onProgress ?? (() => undefined);
  const sourcePackage = options.sourcePackage ?? SOURCE_PACKAGE;
  const pins = options.pins ?? PINNED_SHA256;
  const source = await locateSourcePackage(sourcePackage);
  await mkdir(modelsDir, { recursive: true });
  const manifest = await readModelManifest(modelsDir);
  const results: PreparedModel[] = [];
  for (const builtin of BUILTIN_MODELS) {
    const existing = manifest.models[builtin.name];
    const path = join(modelsDir, `${builtin.name}.onnx`);
    if (
      !options.force &&
      existing !== undefined &&
      existing.sha256 === pins[builtin.name] &&
      (await isCurrent(existing, modelsDir, source.version))
    ) {
      progress(`${builtin.name}: up to date (sha256 ${existing.sha256.slice(0, 12)}…)`);
      results.push({ name: builtin.name, status: 'up-to-date', sha256: existing.sha256, path });
      continue;
    }
    progress(
      `${builtin.name}: converting ${sourcePackage}@${source.version}/${builtin.sourceFile} …`,
    );
    const started = performance.now();
    const bytes = await convertBuiltinModel(builtin, sourcePackage, source);
    const sha256 = sha256Hex(bytes);
    const pinned = pins[builtin.name];
    if (sha256 !== pinned) throw ModelPinError.converted(builtin.name, sha256, pinned ?? '(none)');
    // Through a temporary file: a concurrent reader never loads half a model.
    const temporary = `${path}.${process.pid}.tmp`;
    await writeFile(temporary, bytes);
    await rename(temporary, path);
    const entry = manifestEntry(builtin, sourcePackage, source.version, sha256);
    manifest.models[builtin.name] = entry;
    progress(
      `${builtin.name}: wrote ${path} (${(bytes.length / 1e6).toFixed(1)} MB, sha256 ${entry.sha256.slice(0, 12)}…) in ${Math.round(performance.now() - started)} ms`,
    );
    results.push({ name: builtin.name, status: 'generated', sha256: entry.sha256, path });
  }
  if (results.some((result) => result.status === 'generated'))
    await writeModelManifest(modelsDir, manifest);
  return results;
}

/** What each shipped model converts to here, against its pin: what `pnpm models:pins` prints. */
export async function convertedModelPins(
  options: { sourcePackage?: string } = {},
): Promise<{ name: string; sha256: string; pinned: string | undefined }[]> {
  const sourcePackage = options.sourcePackage ?? SOURCE_PACKAGE;
  const source = await locateSourcePackage(sourcePackage);
  const pins: { name: string; sha256: string; pinned: string | undefined }[] = [];
  for (const builtin of BUILTIN_MODELS) {
    const bytes = await convertBuiltinModel(builtin, sourcePackage, source);
    pins.push({
      name: builtin.name,
      sha256: sha256Hex(bytes),
      pinned: PINNED_SHA256[builtin.name],
    });
  }
  return pins;
}

function convertBuiltinModel(
  builtin: BuiltinModel,
  sourcePackage: string,
  source: { directory: string; version: string },
): Promise<Uint8Array> {
  return convertTfjsModelToBytes(join(source.directory, builtin.sourceFile), {
    metadata: {
      source: `${sourcePackage}@${source.version}/${builtin.sourceFile}`,
      converter: CONVERTER_VERSION,
    },
  });
}

function manifestEntry(
  builtin: BuiltinModel,
  sourcePackage: string,
  sourceVersion: string,
  sha256: string,
): ModelManifestEntry {
  return {
    name: builtin.name,
    version: `${sourceVersion}-ei${CONVERTER_VERSION}`,
    file: `${builtin.name}.onnx`,
    sha256,
    source: {
      package: sourcePackage,
      version: sourceVersion,
      file: builtin.sourceFile,
      converter: CONVERTER_VERSION,
    },
    ...builtin.entry,
  };
}

async function isCurrent(
  entry: ModelManifestEntry,
  modelsDir: string,
  sourceVersion: string,
): Promise<boolean> {
  if (entry.source?.version !== sourceVersion || entry.source.converter !== CONVERTER_VERSION)
    return false;
  try {
    return (await sha256OfFile(modelFilePath(modelsDir, entry))) === entry.sha256;
  } catch {
    return false;
  }
}

async function locateSourcePackage(
  sourcePackage: string,
): Promise<{ directory: string; version: string }> {
  try {
    const packageJson = createRequire(import.meta.url).resolve(`${sourcePackage}/package.json`);
    const { version } = JSON.parse(await readFile(packageJson, 'utf8')) as { version: string };
    return { directory: dirname(packageJson), version };
  } catch (error) {
    throw new ModelSourceMissingError(sourcePackage, error);
  }
}
