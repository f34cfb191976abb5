/**
 * pnpm bench:models — pure inference time of each shipped model: onnxruntime-node with 1 and
 * 2 intra-op threads, and the original TF.js graph on the pure-JS CPU backend (what the ONNX
 * conversion replaces). Same letterboxed real photo for all; pre- and post-processing are not
 * timed. Median of BENCH_RUNS runs after warm-up. Writes bench/results/models.json.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PHOTO_FIXTURES_DIR } from '@ei/core/testing';
import { loadDetector } from '@ei/detection';
import { defaultModelsDirectory } from '@ei/models';
import { BUILTIN_MODELS, prepareModels, SOURCE_PACKAGE } from '@ei/models/build';
import * as tf from '@tensorflow/tfjs';

const ORT_RUNS = Number(process.env.BENCH_RUNS ?? 30);
const TFJS_RUNS = Number(process.env.BENCH_TFJS_RUNS ?? 5);
const FIXTURES = PHOTO_FIXTURES_DIR;
const PHOTO: Record<string, string> = { nanodet: 'dog.jpg', blazeface: 'megamind-9s.jpg' };

await prepareModels();
await tf.setBackend('cpu');
const sourceDir = dirname(
  createRequire(fileURLToPath(new URL('../services/models/package.json', import.meta.url))).resolve(
    `${SOURCE_PACKAGE}/package.json`,
  ),
);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(runs: number, run: () => Promise<unknown>): Promise<number> {
  await run(); // warm-up: first run allocates and, for onnxruntime, picks kernels
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  return Number(median(samples).toFixed(2));
}

const results = [];
for (const builtin of BUILTIN_MODELS) {
  const jpeg = await readFile(join(FIXTURES, PHOTO[builtin.name]!));
  const row: Record<string, number | string> = {
    model: builtin.name,
    input: builtin.entry.input.shape.join('x'),
  };
  for (const threads of [1, 2]) {
    const detector = await loadDetector(builtin.name, defaultModelsDirectory(), {
      intraOpThreads: threads,
    });
    const input = await detector.preprocess(jpeg);
    row[`ortThreads${threads}Ms`] = await time(ORT_RUNS, () => detector.infer(input));
    await detector.close();
  }
  const modelJson = join(sourceDir, builtin.sourceFile);
  const json = JSON.parse(await readFile(modelJson, 'utf8')) as {
    modelTopology: object;
    format: string;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weights = Buffer.concat(
    await Promise.all(
      json.weightsManifest.flatMap((group) =>
        group.paths.map((path) => readFile(join(dirname(modelJson), path))),
      ),
    ),
  );
  const model = await tf.loadGraphModel({
    load: () =>
      Promise.resolve({
        modelTopology: json.modelTopology,
        format: json.format,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: weights.buffer.slice(
          weights.byteOffset,
          weights.byteOffset + weights.byteLength,
        ),
      }),
  });
  const detector = await loadDetector(builtin.name, defaultModelsDirectory());
  const input = await detector.preprocess(jpeg);
  await detector.close();
  const tensor = tf.tensor(input.data, input.dims);
  row.tfjsCpuMs = await time(TFJS_RUNS, async () => {
    const outputs = model.execute(tensor) as tf.Tensor[];
    await Promise.all(outputs.map((output) => output.data()));
    tf.dispose(outputs);
  });
  tensor.dispose();
  model.dispose();
  results.push(row);
  console.log(JSON.stringify(row));
}

const report = {
  date: new Date().toISOString(),
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model.trim(),
  ortRuns: ORT_RUNS,
  tfjsRuns: TFJS_RUNS,
  results,
};
await writeFile(
  new URL('results/models.json', import.meta.url),
  `${JSON.stringify(report, null, 2)}\n`,
);
