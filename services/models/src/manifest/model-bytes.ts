import { readFile } from 'node:fs/promises';
import { pinnedSha256 } from '../builtin/builtin-models.js';
import { ModelPinError } from '../builtin/model-pin-error.js';
import { ModelIntegrityError } from './model-integrity-error.js';
import type { ModelManifestEntry } from './model-manifest.js';
import { sha256Hex } from './model-manifest.js';

/**
 * Reads a model file once and checks its sha256 against `entry.sha256`. The bytes returned
 * are the bytes hashed: onnxruntime is given them, never the path, so a file swapped after
 * the check cannot be loaded instead.
 */
export async function readVerifiedModel(
  entry: Pick<ModelManifestEntry, 'name' | 'sha256'>,
  path: string,
): Promise<Uint8Array> {
  const bytes = await readFile(path);
  const actual = sha256Hex(bytes);
  if (actual !== entry.sha256) {
    throw new ModelIntegrityError(
      `model ${entry.name}: ${path} has sha256 ${actual}, expected ${entry.sha256}; ` +
        (pinnedSha256(entry.name) === undefined
          ? 'the file changed since it was added (`ei models add` it again if that was meant)'
          : 'run `ei models prepare`'),
    );
  }
  return bytes;
}

/**
 * Refuses a manifest entry of a shipped model (by name) whose sha256 is not the pinned one:
 * with `readVerifiedModel` after it, the bytes loaded are the pinned bytes even when both
 * the file and the manifest were changed.
 */
export function assertPinned(entry: Pick<ModelManifestEntry, 'name' | 'sha256'>): void {
  const pinned = pinnedSha256(entry.name);
  if (pinned !== undefined && entry.sha256 !== pinned)
    throw ModelPinError.inManifest(entry.name, entry.sha256, pinned);
}
