import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PINNED_SHA256, SOURCE_PACKAGE } from './builtin-models.js';
import { ModelPinError } from './model-pin-error.js';
import type { ModelManifest } from '../manifest/model-manifest.js';
import { sha256OfFile, writeModelManifest } from '../manifest/model-manifest.js';
import { ModelSourceMissingError } from './model-source-missing-error.js';
import { convertedModelPins, prepareModels } from './prepare-models.js';

let modelsDir: string;

beforeAll(async () => {
  modelsDir = await mkdtemp(join(tmpdir(), 'ei-models-'));
});

afterAll(async () => {
  await rm(modelsDir, { recursive: true, force: true });
});

describe('prepareModels', () => {
  it('generates both models and a manifest that describes them, and keeps users’ entries', async () => {
    await writeModelManifest(modelsDir, {
      manifestVersion: 1,
      models: {
        mine: {
          name: 'mine',
          version: '1',
          file: '/elsewhere/mine.onnx',
          sha256: '0'.repeat(64),
          input: {
            name: 'images',
            shape: [1, 3, 640, 640],
            layout: 'nchw',
            mean: [0, 0, 0],
            std: [255, 255, 255],
          },
          decoder: 'yolo',
          labels: ['thing'],
        },
      },
    });
    const progress: string[] = [];
    const results = await prepareModels({ modelsDir, onProgress: (line) => progress.push(line) });
    expect(results.map((result) => [result.name, result.status])).toEqual([
      ['nanodet', 'generated'],
      ['blazeface', 'generated'],
    ]);
    expect(progress.some((line) => line.startsWith('nanodet: wrote '))).toBe(true);
    const manifest = JSON.parse(
      await readFile(join(modelsDir, 'manifest.json'), 'utf8'),
    ) as ModelManifest;
    expect(Object.keys(manifest.models).sort()).toEqual(['blazeface', 'mine', 'nanodet']);
    const nanodet = manifest.models.nanodet!;
    expect(nanodet).toMatchObject({
      file: 'nanodet.onnx',
      decoder: 'nanodet',
      source: { package: SOURCE_PACKAGE, file: 'models/nanodet.json' },
      input: {
        name: 'input_1',
        shape: [1, 3, 416, 416],
        layout: 'nchw',
        mean: [0, 0, 0],
        std: [255, 255, 255],
      },
    });
    expect(nanodet.labels).toHaveLength(80);
    expect(manifest.models.blazeface).toMatchObject({
      decoder: 'blazeface',
      labels: ['face'],
      input: { shape: [1, 256, 256, 3], layout: 'nhwc' },
    });
    expect(await sha256OfFile(join(modelsDir, 'nanodet.onnx'))).toBe(nanodet.sha256);
  });

  it('does nothing the second time, and regenerates a file whose sha256 no longer matches', async () => {
    expect((await prepareModels({ modelsDir })).map((result) => result.status)).toEqual([
      'up-to-date',
      'up-to-date',
    ]);
    await writeFile(join(modelsDir, 'blazeface.onnx'), 'damaged');
    expect((await prepareModels({ modelsDir })).map((result) => result.status)).toEqual([
      'up-to-date',
      'generated',
    ]);
  });

  it('writes exactly the bytes pinned in builtin-models.ts (`pnpm models:pins` prints new pins)', async () => {
    for (const pin of await convertedModelPins()) {
      expect(
        pin.sha256,
        `${pin.name} converts to ${pin.sha256} here; PINNED_SHA256 says ${pin.pinned}`,
      ).toBe(PINNED_SHA256[pin.name]);
    }
  });

  it('refuses converted bytes that differ from the pin, says the new value and writes nothing', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'ei-models-'));
    try {
      const error = await prepareModels({
        modelsDir: fresh,
        pins: { ...PINNED_SHA256, nanodet: '0'.repeat(64) },
      }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ModelPinError);
      expect((error as Error).message).toContain(
        `nanodet: the converter wrote sha256 ${PINNED_SHA256.nanodet}, but services/models/src/builtin/builtin-models.ts pins ${'0'.repeat(64)}`,
      );
      expect((error as Error).message).toContain(
        `set PINNED_SHA256.nanodet to '${PINNED_SHA256.nanodet}'`,
      );
      expect(await readdir(fresh)).toEqual([]);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('says which package to install when the source package is missing', async () => {
    const error = await prepareModels({
      modelsDir,
      sourcePackage: '@vladmandic/no-such-models',
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelSourceMissingError);
    expect((error as Error).message).toContain(
      'the npm package @vladmandic/no-such-models (source of the shipped models) is not installed',
    );
  });
});
