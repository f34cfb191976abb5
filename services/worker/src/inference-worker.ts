import { hostname } from 'node:os';
import {
  CONFIG_DEFAULTS,
  FrameConsumer,
  FrameQueue,
  LegacyStreams,
  ResultBus,
  StreamRegistry,
  ThrottledLog,
  WorkerRegistry,
  type DequeuedFrame,
  type Detection,
  type EiMetrics,
  type ErrorKind,
  type InferenceResult,
  type InferenceTypeConfig,
  type Logger,
  type ModelIdentity,
  type Redis,
} from '@ei/core';
import {
  ImageTooLargeError,
  type Detector,
  type InferenceRun,
  type PreparedTensor,
  type ThreadExit,
} from '@ei/detection';
import { LoadTracker } from './load-tracker.js';

export interface InferenceWorkerOptions {
  /** Command connection; the worker opens its blocking and subscriber connections from it. */
  redis: Redis;
  type: string;
  typeConfig: InferenceTypeConfig;
  /** Loaded with `runOn: 'thread'`, so the event loop stays free while the model runs. */
  detector: Detector;
  metrics: EiMetrics;
  logger: Logger;
  workerId: string;
  keyPrefix?: string;
  maxFrameBytes?: number;
  /** Approximate cap of the compact results stream. */
  resultsMaxLen?: number;
  /** How often metrics and the worker registry are refreshed. Default 1000 ms. */
  statusIntervalMs?: number;
  /** Skip frames of streams no producer announced (legacy frames excepted). Default true. */
  requireRegisteredStream?: boolean;
  /**
   * `healthy` turns false once the frame loop has not moved for this long. Default: the
   * config's `worker.stallTimeoutMs`.
   */
  stallTimeoutMs?: number;
  /**
   * Called once when the worker cannot go on (its inference thread died too often or could
   * not be restarted): it has stopped taking frames; the process should exit non-zero.
   */
  onFatal?: (error: Error) => void;
  /**
   * Stream registry timing (the config's `registry`): streams of reference-demo producers
   * are announced by the workers that take their frames, every `heartbeatMs`.
   */
  registry?: { heartbeatMs: number; ttlMs: number };
}

interface Prepared {
  dequeued: DequeuedFrame;
  input: PreparedTensor;
  preprocessMs: number;
}

interface Inferred {
  prepared: Prepared;
  run: InferenceRun;
}

/** A promise that says whether it has settled, without waiting for it. */
function settles<T>(promise: Promise<T>): { promise: Promise<T>; settled: boolean } {
  const tracked = { promise, settled: false };
  promise.then(
    () => (tracked.settled = true),
    () => (tracked.settled = true),
  );
  return tracked;
}

const POP_TIMEOUT_MS = 1000;
const UNKNOWN_STREAM_RECHECK_MS = 1000;
/** How often a worker runs its queue's upkeep (FrameQueue.prune), with the status report. */
const QUEUE_PRUNE_INTERVAL_MS = 10_000;

/**
 * The inference service of one type: takes frames from the type's queue, runs the model
 * and publishes results, while keeping the scaling metrics current.
 *
 * The next frame is taken and pre-processed while the model runs on the current one, but
 * only as late as the running inference allows (its expected remaining time minus the
 * expected pre-processing time), so a `latest` frame is as fresh as it can be when its
 * turn comes.
 */
export class InferenceWorker {
  private readonly options: InferenceWorkerOptions;
  private readonly consumer: FrameConsumer;
  private readonly queue: FrameQueue;
  private readonly bus: ResultBus;
  private readonly streams: StreamRegistry;
  private readonly legacyStreams: LegacyStreams;
  private readonly workers: WorkerRegistry;
  private readonly tracker = new LoadTracker();
  private readonly throttled: ThrottledLog;
  private readonly knownStreams = new Map<string, { known: boolean; checkedAt: number }>();
  private readonly labels: Set<string> | undefined;
  private loop: Promise<void> | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private avgRunMs = 0;
  private avgPrepareMs = 0;
  private prunedAt = 0;
  /** Frames taken from the queue and not yet published (or skipped). */
  private inHand = 0;
  /** When the frame loop last moved: took a frame, found none, or finished one. */
  private lastProgressAt = Date.now();
  private fatal: Error | undefined;
  processed = 0;

  constructor(options: InferenceWorkerOptions) {
    this.options = options;
    const { redis, type, keyPrefix, maxFrameBytes, metrics, logger } = options;
    this.consumer = new FrameConsumer({ redis, type, keyPrefix, maxFrameBytes, metrics, logger });
    this.queue = new FrameQueue({
      redis,
      type,
      policy: options.typeConfig.policy,
      cap: options.typeConfig.cap,
      keyPrefix,
    });
    this.bus = new ResultBus({ redis, keyPrefix, logMaxLen: options.resultsMaxLen });
    const registry = options.registry ?? CONFIG_DEFAULTS.registry;
    this.streams = new StreamRegistry({ redis, keyPrefix, ttlMs: registry.ttlMs });
    this.legacyStreams = new LegacyStreams({
      registry: this.streams,
      type,
      host: hostname(),
      intervalMs: registry.heartbeatMs,
      onError: (error) =>
        this.fail('redis', `cannot announce legacy streams: ${error.message}`, {}),
    });
    this.workers = new WorkerRegistry({ redis, keyPrefix });
    this.throttled = new ThrottledLog(logger);
    this.labels = options.typeConfig.classes ? new Set(options.typeConfig.classes) : undefined;
    options.detector.onThreadExit((exit) => this.threadExited(exit));
  }

  /** True while taking frames with Redis connected. */
  get ready(): boolean {
    return this.loop !== undefined && !this.stopping && this.options.redis.status === 'ready';
  }

  /**
   * Liveness: false once the frame loop has not moved for `stallTimeoutMs` (an inference or
   * a Redis call that never returns) or the worker gave up. An idle loop moves every
   * second (each wait for a frame ends after 1 s), a Redis outage does not stop it.
   */
  get healthy(): boolean {
    if (this.fatal !== undefined) return false;
    if (this.loop === undefined || this.stopping) return true;
    return (
      Date.now() - this.lastProgressAt <
      (this.options.stallTimeoutMs ?? CONFIG_DEFAULTS.worker.stallTimeoutMs)
    );
  }

  start(): void {
    if (this.loop) return;
    // A fault the loop does not handle itself ends the worker, reported, not unhandled.
    this.loop = this.run().catch((error: unknown) => this.giveUp(error as Error));
    this.statusTimer = setInterval(
      () => void this.reportStatus(),
      this.options.statusIntervalMs ?? 1000,
    );
    this.statusTimer.unref();
    void this.reportStatus();
    this.legacyStreams.start();
  }

  /**
   * Stops taking frames, finishes and publishes every frame already taken, and leaves the
   * worker registry. Resolves when nothing is in hand.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.loop;
    this.stopping = true;
    await this.consumer.stop();
    await this.loop;
    clearInterval(this.statusTimer);
    await this.legacyStreams.stop();
    await this.workers.remove(this.options.type, this.options.workerId).catch(() => undefined);
    await this.consumer.close();
    await this.queue.close();
  }

  /**
   * A three-stage software pipeline: while the model runs on frame N (on its thread), the
   * main thread decodes and publishes frame N-1 and prepares frame N+1. The model thread
   * never waits for either when frames are available.
   */
  private async run(): Promise<void> {
    let next = settles(this.fetch());
    let previous: Inferred | undefined;
    for (;;) {
      this.lastProgressAt = Date.now();
      // No frame ready to infer: publish the previous one now rather than later.
      if (previous && !next.settled) previous = await this.finish(previous);
      const current = await next.promise;
      if (current === null) {
        if (previous) previous = await this.finish(previous);
        if (this.stopping) return;
        next = settles(this.fetch());
        continue;
      }
      // Start on the next frame so that it is ready when this inference ends.
      const lead = Math.max(0, this.avgRunMs - this.avgPrepareMs - 2);
      next = settles(this.stopping ? Promise.resolve(null) : this.fetch(lead));
      const inferring = this.infer(current);
      if (previous) previous = await this.finish(previous);
      const run = await inferring;
      previous = run ? { prepared: current, run } : undefined;
    }
  }

  /** Takes the next valid frame and prepares it; null on timeout or stop. */
  private async fetch(delayMs = 0): Promise<Prepared | null> {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    while (!this.stopping) {
      const dequeued = await this.consumer.pop(POP_TIMEOUT_MS);
      this.lastProgressAt = Date.now();
      if (!dequeued) return null;
      this.inHand += 1;
      const prepared = await this.prepare(dequeued);
      if (prepared) return prepared;
      this.inHand -= 1;
    }
    return null;
  }

  private async prepare(dequeued: DequeuedFrame): Promise<Prepared | null> {
    const { frame, source } = dequeued;
    if (
      source !== 'legacy' &&
      this.options.requireRegisteredStream !== false &&
      !(await this.isKnownStream(frame.streamId))
    ) {
      this.fail(
        'unknown-stream',
        `frame of stream "${frame.streamId}" that no producer announced`,
        { stream: frame.streamId },
      );
      return null;
    }
    const started = performance.now();
    let input: PreparedTensor;
    try {
      input = await this.options.detector.preprocess(frame.data);
    } catch (error) {
      if (error instanceof ImageTooLargeError)
        this.fail('image-too-large', error.message, { stream: frame.streamId });
      else
        this.fail('image', `cannot decode JPEG: ${(error as Error).message}`, {
          stream: frame.streamId,
        });
      return null;
    }
    const { sourceWidth, sourceHeight } = input.letterbox;
    if (frame.width > 0 && (sourceWidth !== frame.width || sourceHeight !== frame.height)) {
      this.fail(
        'image',
        `frame says ${frame.width}x${frame.height}, JPEG is ${sourceWidth}x${sourceHeight}`,
        {
          stream: frame.streamId,
        },
      );
      return null;
    }
    const preprocessMs = performance.now() - started;
    this.avgPrepareMs = ema(this.avgPrepareMs, preprocessMs);
    if (source === 'legacy') this.legacyStreams.seen(frame.streamId, sourceWidth, sourceHeight);
    return { dequeued, input, preprocessMs };
  }

  /** The model on one frame; null (counted, frame released) when it fails. */
  private async infer(prepared: Prepared): Promise<InferenceRun | null> {
    try {
      const run = await this.options.detector.infer(prepared.input);
      this.avgRunMs = ema(this.avgRunMs, run.runMs);
      return run;
    } catch (error) {
      this.fail('inference', `model run failed: ${(error as Error).message}`, {
        stream: prepared.dequeued.frame.streamId,
      });
      this.inHand -= 1;
      return null;
    }
  }

  /** Decodes the outputs, publishes the result with the original JPEG, records metrics. */
  private async finish({ prepared, run }: Inferred): Promise<undefined> {
    const { dequeued, input, preprocessMs } = prepared;
    const { frame } = dequeued;
    const type = this.options.type;
    const { metrics, detector } = this.options;
    try {
      const postStarted = performance.now();
      let detections: Detection[];
      try {
        detections = this.filter(detector.decode(run.outputs, input.letterbox));
      } catch (error) {
        // The model was checked at load; one frame's outputs still must not stop the worker.
        this.fail('postprocess', `cannot decode the model's outputs: ${(error as Error).message}`, {
          stream: frame.streamId,
        });
        return undefined;
      }
      const postprocessMs = performance.now() - postStarted;
      const queueWaitMs = Math.max(0, dequeued.dequeuedAt - frame.captureTs);
      const result: InferenceResult = {
        streamId: frame.streamId,
        type,
        seq: frame.seq,
        captureTs: frame.captureTs,
        dequeuedTs: dequeued.dequeuedAt,
        publishedTs: Date.now(),
        width: input.letterbox.sourceWidth,
        height: input.letterbox.sourceHeight,
        detections,
        timings: {
          queueWaitMs,
          preprocessMs: round(preprocessMs),
          inferenceMs: round(run.runMs),
          postprocessMs: round(postprocessMs),
        },
        model: modelIdentity(detector),
        workerId: this.options.workerId,
      };
      try {
        await this.bus.publish(result, frame.data);
      } catch (error) {
        this.fail('publish', `cannot publish result: ${(error as Error).message}`, {
          stream: frame.streamId,
        });
      }
      this.processed += 1;
      // The model is the bottleneck stage: pre- and post-processing overlap it.
      this.tracker.frameDone(Math.max(run.runMs, preprocessMs + postprocessMs));
      metrics.queueWait.observe({ type }, queueWaitMs / 1000);
      metrics.preprocess.observe({ type }, preprocessMs / 1000);
      metrics.inference.observe({ type }, run.runMs / 1000);
      metrics.postprocess.observe({ type }, postprocessMs / 1000);
      metrics.endToEnd.observe({ type }, Math.max(0, result.publishedTs - frame.captureTs) / 1000);
    } finally {
      this.inHand -= 1;
    }
    return undefined;
  }

  private filter(detections: Detection[]): Detection[] {
    const { minScore } = this.options.typeConfig;
    return detections.filter(
      (d) => d.score >= minScore && (this.labels === undefined || this.labels.has(d.label)),
    );
  }

  private async isKnownStream(streamId: string): Promise<boolean> {
    const cached = this.knownStreams.get(streamId);
    const now = Date.now();
    if (cached && (cached.known || now - cached.checkedAt < UNKNOWN_STREAM_RECHECK_MS))
      return cached.known;
    let known = true; // when Redis cannot tell, do not throw the frame away
    try {
      known = (await this.streams.get(streamId)) !== undefined;
    } catch {
      // counted by the consumer's Redis error path on the next pop if Redis is down
    }
    if (this.knownStreams.size > 10_000) this.knownStreams.clear();
    this.knownStreams.set(streamId, { known, checkedAt: now });
    return known;
  }

  private async reportStatus(): Promise<void> {
    const { metrics, type, workerId, redis } = this.options;
    try {
      // First, so the depth below no longer counts frames of streams that stopped untaken.
      if (Date.now() - this.prunedAt >= QUEUE_PRUNE_INTERVAL_MS) {
        this.prunedAt = Date.now();
        await this.queue.prune();
      }
      const [stats, live] = await Promise.all([this.queue.stats(), this.workers.count(type)]);
      // Count this worker even before its first report reached Redis.
      this.tracker.observeType(stats.dropped, Math.max(1, live));
      const figures = this.tracker.figures();
      metrics.inferFps.set({ type }, figures.inferFps);
      metrics.dropFps.set({ type }, figures.dropFps);
      metrics.scaleRatio.set({ type }, figures.scaleRatio);
      metrics.queueDepth.set(
        { type },
        stats.waiting.latest + stats.waiting.fifo + stats.waiting.lossless + stats.waiting.legacy,
      );
      // Forget stream verdicts now and then, so a stream that went and came back is re-checked.
      for (const [id, entry] of this.knownStreams)
        if (Date.now() - entry.checkedAt > 30_000) this.knownStreams.delete(id);
      await this.workers.report({
        id: workerId,
        type,
        host: hostname(),
        model: this.options.detector.entry.name,
        state: this.stopping ? 'stopping' : redis.status === 'ready' ? 'ready' : 'starting',
        inferFps: round(figures.inferFps),
        dropFps: round(figures.dropFps),
        scaleRatio: round(figures.scaleRatio, 3),
        inferenceMs: round(this.avgRunMs),
      });
    } catch (error) {
      this.fail('redis', `status update failed: ${(error as Error).message}`, {});
    }
  }

  /** The inference thread died: counted; when it is given up, the worker stops for good. */
  private threadExited(exit: ThreadExit): void {
    const { metrics, logger, type } = this.options;
    metrics.errors.inc({ kind: 'inference-thread' });
    if (exit.restarting) {
      logger.error(
        { type, err: exit.error.message, inARow: exit.inARow },
        'inference thread died; restarting it',
      );
      return;
    }
    this.giveUp(exit.error);
  }

  /** Stops taking frames for good; `healthy` turns false and `onFatal` is told. */
  private giveUp(error: Error): void {
    if (this.fatal !== undefined) return;
    this.fatal = error;
    this.options.logger.error(
      { type: this.options.type, err: error.message },
      'worker cannot go on; stopping',
    );
    void this.stop().finally(() => this.options.onFatal?.(error));
  }

  private fail(kind: ErrorKind, message: string, fields: Record<string, unknown>): void {
    this.options.metrics.errors.inc({ kind });
    this.throttled.warn(kind, { ...fields, type: this.options.type, kind }, message);
  }

  /** Frames taken and not yet published: what a shutdown still has to finish. */
  get framesInHand(): number {
    return this.inHand;
  }
}

function ema(previous: number, sample: number): number {
  return previous === 0 ? sample : previous * 0.8 + sample * 0.2;
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The model fields every result carries. */
export function modelIdentity(detector: Detector): ModelIdentity {
  const { name, version, sha256 } = detector.entry;
  return { name, version, sha256 };
}
