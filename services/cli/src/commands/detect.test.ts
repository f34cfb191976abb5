import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PHOTO_FIXTURES_DIR } from '@ei/core/testing';
import { defaultModelsDirectory } from '@ei/models';
import { prepareModels } from '@ei/models/build';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constantOutputModel, transposeRows } from '../testing/constant-output-model.js';
import { runEi as ei } from '../testing/ei-process.js';

const FIXTURES = PHOTO_FIXTURES_DIR;

// Model input 64x64; the 128x64 source image is letterboxed at scale 0.5 with 16 px of padding
// above and below, so input box [12, 22, 52, 42] is [24, 12, 104, 52] in the source.
const EXPECTED = [
  { label: 'dog', score: 0.9, box: [24, 12, 104, 52] },
  { label: 'cat', score: 0.7, box: [24, 20, 40, 36] },
];

let work: string;
let image: string;

beforeAll(async () => {
  await prepareModels();
  work = await mkdtemp(join(tmpdir(), 'ei-detect-'));
  // Any image sharp reads will do; an SVG needs no encoder in this package.
  image = join(work, 'wide.svg');
  await writeFile(
    image,
    '<svg xmlns="http://www.w3.org/2000/svg" width="128" height="64"><rect width="128" height="64" fill="#285aa0"/></svg>',
  );
  await writeFile(join(work, 'labels.txt'), 'cat\ndog\n');
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('ei detect with users’ models', () => {
  const cases = {
    // YOLOv8/v11: [1, 4 + nc, N]; anchor 1 duplicates anchor 0 with a lower score (NMS drops it).
    'yolov8 [1, 4+nc, N]': {
      decoder: 'yolo',
      model: () =>
        constantOutputModel({ name: 'images', shape: [1, 3, 64, 64] }, [
          {
            name: 'output0',
            shape: [1, 6, 3],
            values: transposeRows([
              [32, 32, 40, 20, 0.05, 0.9],
              [33, 32, 40, 20, 0.02, 0.8],
              [16, 30, 8, 8, 0.7, 0.1],
            ]),
          },
        ]),
    },
    // YOLOv5: [1, N, 5 + nc], score = objectness × class.
    'yolov5 [1, N, 5+nc]': {
      decoder: 'yolo',
      model: () =>
        constantOutputModel({ name: 'images', shape: [1, 3, 64, 64] }, [
          {
            name: 'output',
            shape: [1, 3, 7],
            values: [
              [32, 32, 40, 20, 0.95, 0.05, 0.947368],
              [33, 32, 40, 20, 0.9, 0.02, 0.85],
              [16, 30, 8, 8, 0.8, 0.875, 0.1],
            ].flat(),
          },
        ]),
    },
    // SSD (TF Object Detection API outputs), NHWC input.
    'ssd boxes/scores/classes': {
      decoder: 'ssd',
      model: () =>
        constantOutputModel({ name: 'image', shape: [1, 64, 64, 3] }, [
          {
            name: 'detection_boxes',
            shape: [1, 3, 4],
            values: [
              [22, 12, 42, 52],
              [22, 12, 42, 52],
              [26, 12, 34, 20],
            ]
              .flat()
              .map((v) => v / 64),
          },
          { name: 'detection_scores', shape: [1, 3], values: [0.9, 0.3, 0.7] },
          { name: 'detection_classes', shape: [1, 3], values: [1, 0, 0] },
        ]),
    },
  } as const;

  it.each(Object.entries(cases))(
    '%s: ei models add, then ei detect --json',
    async (title, { decoder, model }) => {
      const name = title.split(' ')[0]!;
      const file = join(work, `${name}.onnx`);
      await writeFile(file, model());
      const added = await ei([
        'models',
        'add',
        name,
        file,
        '--decoder',
        decoder,
        '--labels',
        join(work, 'labels.txt'),
        '--models-dir',
        work,
      ]);
      expect(added.stderr).toBe('');
      expect(added.code).toBe(0);
      const run = await ei(['detect', image, '--model', name, '--models-dir', work, '--json']);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const detections = JSON.parse(run.stdout) as {
        label: string;
        score: number;
        box: number[];
      }[];
      expect(detections.map((d) => d.label)).toEqual(EXPECTED.map((d) => d.label));
      detections.forEach((detection, k) => {
        expect(detection.score).toBeCloseTo(EXPECTED[k]!.score, 3);
        expect(detection.box).toEqual(EXPECTED[k]!.box);
      });
    },
    60_000,
  );
});

describe('ei models add refuses what would fail on every frame', () => {
  it('a model whose outputs do not fit its decoder: the message names both, nothing is added', async () => {
    const file = join(work, 'six-outputs.onnx');
    // nanodet's six outputs (scores and boxes at three strides) declared as a YOLO export.
    await writeFile(file, await readFile(join(defaultModelsDirectory(), 'nanodet.onnx')));
    const args = ['models', 'add', 'six-outputs', file, '--labels', join(work, 'labels.txt')];
    const added = await ei([...args, '--decoder', 'yolo', '--models-dir', work]);
    expect(added.code).toBe(1);
    expect(added.stderr).toContain(
      'ei: model six-outputs: its outputs do not fit the "yolo" decoder (yolo: expected one output, the model has 6)',
    );
    expect(added.stderr).not.toMatch(/\n\s+at /);
    const listed = await ei(['models', 'list', '--models-dir', work]);
    expect(listed.stdout).not.toContain('six-outputs');
  }, 60_000);

  it('the name of a shipped model', async () => {
    const run = await ei([
      ...['models', 'add', 'nanodet', join(defaultModelsDirectory(), 'nanodet.onnx')],
      ...['--decoder', 'nanodet', '--labels', join(work, 'labels.txt'), '--models-dir', work],
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"nanodet" is a shipped model; choose another name');
  }, 60_000);
});

describe('ei detect with the shipped models', () => {
  it('prints one JSON array per image', async () => {
    const run = await ei([
      'detect',
      join(FIXTURES, 'dog.jpg'),
      join(FIXTURES, 'megamind-9s.jpg'),
      '--model',
      'nanodet',
      '--json',
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    const labels = (JSON.parse(lines[0]!) as { label: string }[]).map((d) => d.label);
    expect(labels).toEqual(expect.arrayContaining(['dog', 'bicycle', 'car']));
  }, 60_000);

  it('prints text with boxes in source pixels', async () => {
    const run = await ei(['detect', join(FIXTURES, 'megamind-5s.jpg'), '--model', 'blazeface']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^megamind-5s\.jpg \(416x305\): 1 detection\(s\)/);
    expect(run.stdout).toMatch(/\n {2}face +0\.9\d {2}\[\d+, \d+, \d+, \d+\]/);
  }, 60_000);

  it.each([
    ['a missing file', ['detect', 'nope.jpg', '--model', 'nanodet'], 'ei: nope.jpg: no such file'],
    [
      'an unknown model',
      ['detect', join(FIXTURES, 'dog.jpg'), '--model', 'yolo9000'],
      'ei: unknown model "yolo9000"; known: nanodet, blazeface',
    ],
    [
      'a corrupt image',
      ['detect', 'package.json', '--model', 'nanodet'],
      'ei: package.json: cannot decode image',
    ],
  ])(
    'fails on %s with a message, no stack trace',
    async (_case, args, message) => {
      const run = await ei(args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(message);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    },
    60_000,
  );

  it('explains itself with --help', async () => {
    const run = await ei(['detect', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--model <name>');
    expect(run.stdout).toContain('--json');
  }, 60_000);
});
