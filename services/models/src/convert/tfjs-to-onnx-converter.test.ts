import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { PHOTO_FIXTURES_DIR } from '@ei/core/testing';
import { BUILTIN_MODELS, SOURCE_PACKAGE } from '../builtin/builtin-models.js';
import { imageTensor } from '../testing/image-tensor.js';
import type { TfjsGraph } from './tfjs-graph.js';
import { readTfjsGraph } from './tfjs-graph.js';
import { convertTfjsGraphToOnnx } from './tfjs-to-onnx-converter.js';
import { UnsupportedOpError } from './unsupported-op-error.js';

const SOURCE_DIR = dirname(
  createRequire(import.meta.url).resolve(`${SOURCE_PACKAGE}/package.json`),
);

/** Real photos per model. */
const INPUTS: Record<string, string[]> = {
  nanodet: ['dog.jpg', 'person.jpg'],
  blazeface: ['megamind-1s.jpg', 'megamind-9s.jpg'],
};

/** Loads the original TF.js graph with the pure-JS CPU backend, straight from the package files. */
async function loadOriginal(modelJson: string): Promise<tf.GraphModel> {
  const json = JSON.parse(await readFile(modelJson, 'utf8')) as {
    modelTopology: object;
    format: string;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
    signature?: object;
    userDefinedMetadata?: Record<string, object>;
  };
  const shards = await Promise.all(
    json.weightsManifest.flatMap((group) =>
      group.paths.map((path) => readFile(join(dirname(modelJson), path))),
    ),
  );
  const weights = Buffer.concat(shards);
  return tf.loadGraphModel({
    load: () =>
      Promise.resolve({
        modelTopology: json.modelTopology,
        format: json.format,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: weights.buffer.slice(
          weights.byteOffset,
          weights.byteOffset + weights.byteLength,
        ),
        signature: json.signature,
        userDefinedMetadata: json.userDefinedMetadata,
      }),
  });
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(BUILTIN_MODELS.map((model) => [model.name, model] as const))(
  'converted %s',
  (name, builtin) => {
    it('matches the original TF.js graph on real photos', async () => {
      const modelJson = join(SOURCE_DIR, builtin.sourceFile);
      const { bytes, summary } = await convertTfjsGraphToOnnx(await readTfjsGraph(modelJson));
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
      const original = await loadOriginal(modelJson);
      const report: string[] = [];
      for (const file of INPUTS[name]!) {
        const input = await imageTensor(join(PHOTO_FIXTURES_DIR, file), builtin.entry.input);
        const onnxOutputs = await session.run({
          [summary.inputs[0]!.name]: new ort.Tensor('float32', input.data, input.dims),
        });
        const inputTensor = tf.tensor(input.data, input.dims);
        const tfOutputs = original.execute(
          inputTensor,
          summary.outputs.map((output) => `${output.name}:0`),
        ) as tf.Tensor[];
        for (const [k, output] of summary.outputs.entries()) {
          const expected = tfOutputs[k]!.dataSync();
          const actual = onnxOutputs[output.name]!.data as Float32Array;
          expect(onnxOutputs[output.name]!.dims).toEqual(tfOutputs[k]!.shape);
          let maxAbs = 0;
          let magnitude = 0;
          let maxSigmoidAbs = 0;
          for (let i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(actual[i]! - expected[i]!));
            magnitude = Math.max(magnitude, Math.abs(expected[i]!));
            maxSigmoidAbs = Math.max(
              maxSigmoidAbs,
              Math.abs(sigmoid(actual[i]!) - sigmoid(expected[i]!)),
            );
          }
          report.push(
            `${name} ${file} ${output.name} [${output.shape.join('x')}] max|ref| ${magnitude.toPrecision(4)} maxAbsDiff ${maxAbs.toExponential(2)}` +
              (magnitude > 1 ? ` = ${(maxAbs / magnitude).toExponential(2)} × max|ref|` : '') +
              // Single-channel outputs are score logits: what the decoder uses is their sigmoid.
              (output.shape.at(-1) === 1
                ? `; after the sigmoid ${maxSigmoidAbs.toExponential(2)}`
                : ''),
          );
          // 1e-4 absolute on outputs within [-1, 1]. Raw logits and pixel regressions reach
          // hundreds, where float32 rounding alone (the two runtimes sum in different orders)
          // moves the last digits: there 1e-4 applies in units of the output's magnitude.
          expect(maxAbs).toBeLessThanOrEqual(1e-4 * Math.max(1, magnitude));
        }
        tf.dispose([inputTensor, ...tfOutputs]);
      }
      console.log(report.join('\n'));
      original.dispose();
      await session.release();
    }, 180_000);
  },
);

describe('convertTfjsGraphToOnnx', () => {
  it('names the op and the node it cannot convert', async () => {
    const graph: TfjsGraph = {
      nodes: [
        { name: 'x', op: 'Placeholder', inputs: [], attr: {} },
        { name: 'fancy', op: 'Erfinv', inputs: ['x'], attr: {} },
      ],
      weights: new Map(),
      inputs: [{ name: 'x:0', shape: [1, 4] }],
      outputs: [{ name: 'fancy:0', shape: [1, 4] }],
    };
    const error = await convertTfjsGraphToOnnx(graph).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsupportedOpError);
    expect((error as Error).message).toBe(
      'unsupported op Erfinv at node "fancy": no ONNX mapping for this op',
    );
  });

  it('folds constant subgraphs (Where → GatherV2 → SparseToDense → AddV2) into a Reshape shape', async () => {
    const int = (shape: number[], values: number[]) => ({
      dtype: 'int32' as const,
      shape,
      data: Int32Array.from(values),
    });
    const graph: TfjsGraph = {
      nodes: [
        { name: 'x', op: 'Placeholder', inputs: [], attr: {} },
        { name: 'mask', op: 'Const', inputs: [], attr: {} },
        { name: 'where', op: 'Where', inputs: ['mask'], attr: {} },
        { name: 'dims', op: 'Const', inputs: [], attr: {} },
        { name: 'axis', op: 'Const', inputs: [], attr: {} },
        { name: 'gathered', op: 'GatherV2', inputs: ['dims', 'where', 'axis'], attr: {} },
        { name: 'dense_shape', op: 'Const', inputs: [], attr: {} },
        { name: 'zero', op: 'Const', inputs: [], attr: {} },
        {
          name: 'dense',
          op: 'SparseToDense',
          inputs: ['where', 'dense_shape', 'gathered', 'zero'],
          attr: {},
        },
        { name: 'base', op: 'Const', inputs: [], attr: {} },
        { name: 'shape', op: 'AddV2', inputs: ['base', 'dense'], attr: {} },
        { name: 'y', op: 'Reshape', inputs: ['x', 'shape'], attr: {} },
      ],
      weights: new Map([
        ['mask', int([3], [0, 1, 1])],
        ['dims', int([3], [9, 3, 2])],
        ['axis', int([], [0])],
        ['dense_shape', int([1], [3])],
        ['zero', int([], [0])],
        ['base', int([3], [1, 0, 0])],
      ]),
      inputs: [{ name: 'x:0', shape: [1, 6] }],
      outputs: [{ name: 'y:0', shape: [1, 3, 2] }],
    };
    const { bytes, summary } = await convertTfjsGraphToOnnx(graph);
    expect(summary.foldedNodes).toBe(4);
    expect(summary.mappedOps).toEqual({ Reshape: 1 });
    const session = await ort.InferenceSession.create(bytes);
    const { y } = await session.run({
      x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4, 5, 6]), [1, 6]),
    });
    expect(y!.dims).toEqual([1, 3, 2]);
    expect(Array.from(y!.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
