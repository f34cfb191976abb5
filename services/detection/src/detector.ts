import sharp from 'sharp';
import type { Detection } from '@ei/core';
import { readVerifiedModel, type ModelManifestEntry } from '@ei/models';
import { ModelCheckError } from './model-check-error.js';
import type { DetectionDecoder } from './postprocess/detection-decoder.js';
import { DECODERS } from './postprocess/decoders.js';
import type { InputSpec, LetterboxTransform, PreparedTensor } from './preprocess/letterbox.js';
import {
  DEFAULT_MAX_IMAGE_PIXELS,
  letterboxImage,
  PAD_GREY,
  unletterboxBox,
} from './preprocess/letterbox.js';
import { ModelOutputError } from './postprocess/model-output-error.js';
import type { ModelOutputs } from './postprocess/model-outputs.js';
import { nonMaxSuppression } from './postprocess/non-max-suppression.js';
import { InferenceThread, type ThreadExit } from './runtime/inference-thread.js';
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
  /**
   * Images whose header announces more pixels are refused before decoding
   * (`ImageTooLargeError`). Default 4096 x 4096 (config `limits.maxImagePixels`).
   */
  maxImagePixels?: number;
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
    /** Where the session runs; an `InferenceThread` with `runOn: 'thread'`. */
    readonly runner: ModelRunner,
    private readonly inputSpec: InputSpec,
    private readonly decoder: DetectionDecoder,
    private readonly options: Required<
      Pick<DetectorOptions, 'scoreThreshold' | 'iouThreshold' | 'maxDetections' | 'maxImagePixels'>
    >,
    private readonly threadExitListeners: Set<(exit: ThreadExit) => void>,
  ) {}

  /**
   * Loads the model file of a manifest entry (path already resolved by the caller): reads
   * it once, checks its sha256 against the entry's and hands those very bytes to
   * onnxruntime. Then runs one inference on a generated image through the decoder, so a
   * model whose outputs do not fit its decoder is refused here (`ModelCheckError`), not on
   * every frame.
   */
  static async load(
    entry: ModelManifestEntry,
    modelPath: string,
    options: DetectorOptions = {},
  ): Promise<Detector> {
    const threads = options.intraOpThreads ?? 1;
    const readModel = (): Promise<Uint8Array> => readVerifiedModel(entry, modelPath);
    const threadExitListeners = new Set<(exit: ThreadExit) => void>();
    const runner =
      options.runOn === 'thread'
        ? await InferenceThread.create(readModel, {
            intraOpThreads: threads,
            onExit: (exit) => threadExitListeners.forEach((listener) => listener(exit)),
          })
        : await SessionRunner.create(await readModel(), threads);
    const { shape, layout, mean, std } = entry.input;
    const [height, width] = layout === 'nchw' ? [shape[2]!, shape[3]!] : [shape[1]!, shape[2]!];
    const detector = new Detector(
      entry,
      runner,
      { width, height, layout, mean, std },
      DECODERS[entry.decoder],
      {
        scoreThreshold: options.scoreThreshold ?? 0.4,
        iouThreshold: options.iouThreshold ?? 0.5,
        maxDetections: options.maxDetections ?? 100,
        maxImagePixels: options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS,
      },
      threadExitListeners,
    );
    try {
      await detector.checkOutputs();
    } catch (error) {
      await detector.close();
      throw error;
    }
    return detector;
  }

  /**
   * Calls `listener` each time the inference thread dies (`runOn: 'thread'`): whether it is
   * being restarted, or given up (every later inference then fails).
   */
  onThreadExit(listener: (exit: ThreadExit) => void): void {
    this.threadExitListeners.add(listener);
  }

  /**
   * Stage 1: image bytes → model input tensor and the letterbox to undo. Runs in libuv's
   * pool. Throws `ImageDecodeError`, or `ImageTooLargeError` from the header alone.
   */
  preprocess(image: Buffer): Promise<PreparedTensor> {
    return letterboxImage(image, this.inputSpec, this.options.maxImagePixels);
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

  /**
   * One inference on a grey JPEG of the model's input size, through pre-processing, the
   * session and the decoder. The decoders check the outputs' layout before they look at
   * scores, so a blank image is enough to refuse a wrong decoder or label count.
   */
  private async checkOutputs(): Promise<void> {
    const { name } = this.entry;
    const { width, height } = this.inputSpec;
    const image = await sharp({
      create: { width, height, channels: 3, background: { r: PAD_GREY, g: PAD_GREY, b: PAD_GREY } },
    })
      .jpeg()
      .toBuffer();
    const input = await this.preprocess(image);
    let run: InferenceRun;
    try {
      run = await this.infer(input);
    } catch (error) {
      if (error instanceof ModelOutputError) throw this.misfit(error);
      throw new ModelCheckError(
        `model ${name}: a test inference on a ${width}x${height} image failed: ${(error as Error).message}`,
        { cause: error },
      );
    }
    try {
      this.decode(run.outputs, input.letterbox);
    } catch (error) {
      if (error instanceof ModelOutputError) throw this.misfit(error, run.outputs);
      throw error;
    }
  }

  private misfit(error: ModelOutputError, outputs?: ModelOutputs): ModelCheckError {
    const { name, decoder, labels } = this.entry;
    const shapes =
      outputs === undefined
        ? ''
        : ` Its outputs: ${Object.entries(outputs)
            .map(([output, tensor]) => `${output} [${tensor.dims.join(', ')}]`)
            .join(', ')}.`;
    return new ModelCheckError(
      `model ${name}: its outputs do not fit the "${decoder}" decoder (${error.message}).${shapes} ` +
        `Choose the decoder of the model's family (\`ei models add --decoder\`, or models.${name}.decoder in the config) and check its ${labels.length} label(s).`,
      { cause: error },
    );
  }
}
