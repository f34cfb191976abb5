import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { PHOTO_FIXTURES_DIR } from '@ei/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultModelsDirectory } from '@ei/models';
import { prepareModels } from '@ei/models/build';
import { loadDetector } from './load-detector.js';
import type { Detector } from './detector.js';
import { ImageDecodeError } from './preprocess/image-decode-error.js';
import { intersectionOverUnion } from './postprocess/non-max-suppression.js';

interface Annotation {
  file: string;
  model: string;
  objects: { label: string | string[]; box: [number, number, number, number] }[];
}

const FIXTURES = pathToFileURL(PHOTO_FIXTURES_DIR);
const annotations = (
  JSON.parse(await readFile(new URL('annotations.json', FIXTURES), 'utf8')) as {
    images: Annotation[];
  }
).images;
const detectors = new Map<string, Detector>();

beforeAll(async () => {
  // The same idempotent step `pnpm install` runs: generates the models only if missing or stale.
  await prepareModels();
  for (const name of ['nanodet', 'blazeface']) {
    detectors.set(
      name,
      await loadDetector(name, defaultModelsDirectory(), { scoreThreshold: 0.4 }),
    );
  }
}, 120_000);

afterAll(async () => {
  for (const detector of detectors.values()) await detector.close();
});

describe.each(annotations.map((image) => [image.file, image] as const))(
  'detections on %s',
  (file, image) => {
    it.each(image.objects.map((object) => [[object.label].flat().join(' or '), object] as const))(
      'finds the %s annotated by hand (score ≥ 0.4, IoU ≥ 0.5)',
      async (_label, object) => {
        const detector = detectors.get(image.model)!;
        const run = await detector.detect(await readFile(new URL(file, FIXTURES)));
        const labels = [object.label].flat();
        const matches = run.detections
          .filter((detection) => labels.includes(detection.label))
          .map((detection) => {
            const box = [
              detection.box[0] * run.width,
              detection.box[1] * run.height,
              detection.box[2] * run.width,
              detection.box[3] * run.height,
            ];
            return { score: detection.score, iou: intersectionOverUnion(box, object.box) };
          })
          .sort((a, b) => b.iou - a.iou);
        expect(
          matches.length,
          `no ${labels.join('/')} among ${JSON.stringify(run.detections.map((d) => d.label))}`,
        ).toBeGreaterThan(0);
        expect(matches[0]!.iou).toBeGreaterThanOrEqual(0.5);
        expect(matches[0]!.score).toBeGreaterThanOrEqual(0.4);
      },
    );
  },
);

describe('Detector stages', () => {
  it('preprocess → infer → decode gives what detect gives, boxes normalised to the source image', async () => {
    const detector = detectors.get('nanodet')!;
    const jpeg = await readFile(new URL('dog.jpg', FIXTURES));
    const input = await detector.preprocess(jpeg);
    expect(input.dims).toEqual([1, 3, 416, 416]);
    expect(input.letterbox).toMatchObject({
      sourceWidth: 416,
      sourceHeight: 312,
      scale: 1,
      padLeft: 0,
      padTop: 52,
    });
    const staged = detector.decode((await detector.infer(input)).outputs, input.letterbox);
    const run = await detector.detect(jpeg);
    expect(staged).toEqual(run.detections);
    for (const detection of staged) {
      for (const value of detection.box) expect(value).toBeGreaterThanOrEqual(0);
      for (const value of detection.box) expect(value).toBeLessThanOrEqual(1);
      expect(detection.classId).toBeGreaterThanOrEqual(0);
    }
    expect(run.timings.inferenceMs).toBeGreaterThan(0);
  });

  it('rejects bytes that are not an image with a typed error', async () => {
    const detector = detectors.get('blazeface')!;
    await expect(detector.detect(Buffer.from('not a jpeg'))).rejects.toBeInstanceOf(
      ImageDecodeError,
    );
  });

  it('a second preparation finds everything up to date', async () => {
    const results = await prepareModels();
    expect(results.map((result) => result.status)).toEqual(['up-to-date', 'up-to-date']);
  });
});
