import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { COCO_LABELS, defaultModelsDirectory, type DecoderFamily } from '@ei/models';
import { prepareModels } from '@ei/models/build';
import { jpegClaimingSize, photoFixture } from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Detector } from './detector.js';
import { describeUserModel, loadDetector } from './load-detector.js';
import { ModelCheckError } from './model-check-error.js';
import { ImageDecodeError } from './preprocess/image-decode-error.js';
import { ImageTooLargeError } from './preprocess/image-too-large-error.js';
import {
  DEFAULT_MAX_IMAGE_PIXELS,
  letterboxImage,
  type InputSpec,
} from './preprocess/letterbox.js';

const SMALL_INPUT: InputSpec = {
  width: 64,
  height: 64,
  layout: 'nchw',
  mean: [0, 0, 0],
  std: [1, 1, 1],
};

beforeAll(async () => {
  await prepareModels();
}, 120_000);

describe('a model whose outputs do not fit its decoder', () => {
  // nanodet has six outputs (scores and boxes at three strides), blazeface four.
  const misfits: [DecoderFamily, string, string[]][] = [
    ['yolo', 'nanodet.onnx', [...COCO_LABELS]],
    ['ssd', 'nanodet.onnx', [...COCO_LABELS]],
    ['blazeface', 'nanodet.onnx', [...COCO_LABELS]],
    ['nanodet', 'blazeface.onnx', ['face']],
    ['nanodet', 'nanodet.onnx', ['only', 'three', 'labels']],
  ];

  it.each(misfits)(
    'the %s decoder on %s is refused at load, with a message naming model and decoder',
    async (decoder, file, labels) => {
      const name = `mine-${decoder}`;
      const entry = await describeUserModel({
        name,
        path: join(defaultModelsDirectory(), file),
        decoder,
        labels,
      });
      const error = await Detector.load(entry, entry.file).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ModelCheckError);
      expect((error as Error).message).toContain(
        `model ${name}: its outputs do not fit the "${decoder}" decoder`,
      );
      expect((error as Error).message).toContain(`${labels.length} label(s)`);
    },
  );

  it('the right decoder passes the same check', async () => {
    const entry = await describeUserModel({
      name: 'mine',
      path: join(defaultModelsDirectory(), 'nanodet.onnx'),
      decoder: 'nanodet',
      labels: [...COCO_LABELS],
    });
    const detector = await Detector.load(entry, entry.file);
    await detector.close();
  });
});

describe('images larger than the pixel limit', () => {
  let detector: Detector;
  beforeAll(async () => {
    detector = await loadDetector('blazeface', defaultModelsDirectory());
  });
  afterAll(async () => {
    await detector.close();
  });

  it('a real JPEG whose header claims 20000x20000 is refused from the header, not decoded', async () => {
    const jpeg = jpegClaimingSize(await readFile(photoFixture('dog.jpg')), 20_000, 20_000);
    const error = await detector.preprocess(jpeg).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ImageTooLargeError);
    expect(error).toMatchObject({
      width: 20_000,
      height: 20_000,
      maxPixels: DEFAULT_MAX_IMAGE_PIXELS,
    });
    // Decoding it would have failed otherwise: its data is that of a 416x312 image.
    const decoded = await letterboxImage(jpeg, SMALL_INPUT, 20_000 * 20_000).catch(
      (caught: unknown) => caught,
    );
    expect(decoded).toBeInstanceOf(ImageDecodeError);
  });

  it('a real 5000x5000 PNG is refused at the default limit and decoded under a larger one', async () => {
    const png = await sharp({
      create: { width: 5000, height: 5000, channels: 3, background: { r: 90, g: 120, b: 150 } },
    })
      .png()
      .toBuffer();
    await expect(detector.preprocess(png)).rejects.toBeInstanceOf(ImageTooLargeError);
    const prepared = await letterboxImage(png, SMALL_INPUT, 5000 * 5000);
    expect(prepared.letterbox).toMatchObject({ sourceWidth: 5000, sourceHeight: 5000 });
  });
});
