import type { Detection } from '@ei/core';
import { ModelIntegrityError, sha256OfFile, type ModelManifestEntry } from '@ei/models';
import type { DetectionDecoder } from './postprocess/detection-decoder.js';
import { DECODERS } from './postprocess/decoders.js';
import type { InputSpec, LetterboxTransform, PreparedTensor } from './preprocess/letterbox.js';
import { letterboxImage, unletterboxBox } from './preprocess/letterbox.js';
import { ModelOutputError } from './postprocess/model-output-error.js';
import type { ModelOutputs } from './postprocess/model-outputs.js';
import { nonMaxSuppression } from './postprocess/non-max-suppression.js';
import { InferenceThread } from './runtime/inference-thread.js';
import type { ModelRunner, RunnerPlacement } from './runtime/model-runner.js';
import { SessionRunner } from './runtime/session-runner.js';

export interface DetectorOptions {
  /** onnxruntime intra-op threads. Default 1: workers scale by replicas, not threads. */
  intraOpThreads?: number;
  /** Detections below this score are dropped. Default 0.4. */
  scoreThreshold?: number;
  /** NMS IoU threshold, per class. Default 0.5. */
  iouThreshold?: number;
  /** Default 100. */
  maxDetections?: number;
  /** Refuse to load a file whose sha256 differs from the manifest's. Default true. */
  verifySha256?: boolean;
  /**
   * Where onnxruntime runs: `caller` (default; blocks the calling thread for the run) or
   * `thread` (its own worker thread; what the worker service uses so that Redis I/O and
   * JPEG decoding go on during inference).
   */
  runOn?: RunnerPlacement;
}

/** The model's outputs and the time the session took to produce them. */
export interface InferenceRun {
  outputs: ModelOutputs;
  runMs: number;
}

export interface DetectionTimings {
  preprocessMs: number;
  inferenceMs: number;
  postprocessMs: number;
}

export interface DetectionRun {
  detections: Detection[];
  timings: DetectionTimings;
  /** Size of the decoded source image. */
  width: number;
  height: number;
}

/**
 * One ONNX detector: letterbox pre-processing, the onnxruntime session, the model family's
 * decoder and NMS. The three stages are separate methods so a worker can pre-process the
 * next frame while the current one is inferred; `detect` chains them.
 */
export class Detector {
  private constructor(
    readonly entry: ModelManifestEntry,
    private readonly runner: ModelRunner,
    private readonly inputSpec: InputSpec,
    private readonly decoder: DetectionDecoder,
    private readonly options: Required<
      Pick<DetectorOptions, 'scoreThreshold' | 'iouThreshold' | 'maxDetections'>
    >,
  ) {}

  /** Loads the model file of a manifest entry (path already resolved by the caller). */
  static async load(
    entry: ModelManifestEntry,
    modelPath: string,
    options: DetectorOptions = {},
  ): Promise<Detector> {
    if (options.verifySha256 ?? true) {
      const actual = await sha256OfFile(modelPath);
      if (actual !== entry.sha256) {
        throw new ModelIntegrityError(
          `model ${entry.name}: ${modelPath} has sha256 ${actual}, the manifest says ${entry.sha256}; run \`ei models prepare\``,
        );
      }
    }
    const threads = options.intraOpThreads ?? 1;
    const runner =
      options.runOn === 'thread'
        ? await InferenceThread.create(modelPath, threads)
        : await SessionRunner.create(modelPath, threads);
    const { shape, layout, mean, std } = entry.input;
    const [height, width] = layout === 'nchw' ? [shape[2]!, shape[3]!] : [shape[1]!, shape[2]!];
    return new Detector(
      entry,
      runner,
      { width, height, layout, mean, std },
      DECODERS[entry.decoder],
      {
        scoreThreshold: options.scoreThreshold ?? 0.4,
        iouThreshold: options.iouThreshold ?? 0.5,
        maxDetections: options.maxDetections ?? 100,
      },
    );
  }

  /** Stage 1: image bytes → model input tensor and the letterbox to undo. Runs in libuv's pool. */
  preprocess(image: Buffer): Promise<PreparedTensor> {
    return letterboxImage(image, this.inputSpec);
  }

  /**
   * Stage 2: the model. With `runOn: 'thread'` the input buffer is transferred to the
   * inference thread: do not reuse `input.data` afterwards.
   */
  async infer(input: PreparedTensor): Promise<InferenceRun> {
    const run = await this.runner.run({
      [this.entry.input.name]: { data: input.data, dims: input.dims },
    });
    for (const [name, tensor] of Object.entries(run.outputs)) {
      if (!(tensor.data instanceof Float32Array))
        throw new ModelOutputError(`model ${this.entry.name}: output ${name} is not float32`);
    }
    return run;
  }

  /** Stage 3: outputs → detections with boxes normalised to the source image. */
  decode(outputs: ModelOutputs, letterbox: LetterboxTransform): Detection[] {
    const candidates = this.decoder(outputs, {
      inputWidth: this.inputSpec.width,
      inputHeight: this.inputSpec.height,
      numClasses: this.entry.labels.length,
      scoreThreshold: this.options.scoreThreshold,
    });
    return nonMaxSuppression(candidates, this.options).map((candidate) => ({
      label: this.entry.labels[candidate.classId] ?? String(candidate.classId),
      classId: candidate.classId,
      score: candidate.score,
      box: unletterboxBox(candidate.box, letterbox),
    }));
  }

  /** All three stages for one image, with their timings. */
  async detect(image: Buffer): Promise<DetectionRun> {
    const t0 = performance.now();
    const input = await this.preprocess(image);
    const t1 = performance.now();
    const { outputs } = await this.infer(input);
    const t2 = performance.now();
    const detections = this.decode(outputs, input.letterbox);
    const t3 = performance.now();
    return {
      detections,
      timings: { preprocessMs: t1 - t0, inferenceMs: t2 - t1, postprocessMs: t3 - t2 },
      width: input.letterbox.sourceWidth,
      height: input.letterbox.sourceHeight,
    };
  }

  async close(): Promise<void> {
    await this.runner.close();
  }
}
