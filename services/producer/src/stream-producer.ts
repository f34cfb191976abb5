import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  Backoff,
  CONFIG_DEFAULTS,
  FrameEncodeError,
  RateMeter,
  ThrottledLog,
  maskCredentials,
  type BackoffOptions,
  type Frame,
  type FrameQueue,
  type PushOutcome,
  type Logger,
  type StreamHeartbeat,
  type StreamRegistry,
  type StreamState,
} from '@ei/core';
import type { Counter, Gauge } from 'prom-client';
import { FfmpegCapture, type CaptureEnd } from './ffmpeg/ffmpeg-capture.js';
import type { JpegImage } from './ffmpeg/jpeg-splitter.js';
import {
  STREAM_STATES,
  type LocalDropReason,
  type ProducerMetrics,
} from './metrics/producer-metrics.js';
import { classifySource, type SourceKind } from './source/source-kind.js';

/** A camera that keeps failing is retried at least this often (500 ms doubling up to it). */
const CAPTURE_RETRY_MAX_MS = 30_000;

/** One stream to produce; the shape of a `streams[]` entry of the configuration. */
export interface ProducedStreamConfig {
  name: string;
  source: string;
  type: string;
  fps?: number;
  maxWidth?: number;
  loop?: boolean;
}

export interface StreamProducerOptions {
  stream: ProducedStreamConfig;
  /** Queue of the stream's type. Its policy `lossless` makes the producer wait instead of dropping. */
  queue: FrameQueue;
  registry: StreamRegistry;
  metrics: ProducerMetrics;
  logger: Logger;
  /** See `locateFfmpeg`. */
  ffmpegPath: string;
  /** Registry heartbeat period. Default: the config's `registry.heartbeatMs`. */
  heartbeatMs?: number;
  /** Delays between capture attempts. Default 500 ms doubling up to 30 s. */
  backoff?: BackoffOptions;
  /** A source silent for this long (no frame) is restarted. Default 10 s. */
  stallTimeoutMs?: number;
  /**
   * Pushes to Redis in flight per stream before new frames are dropped (not buffered):
   * when Redis is slower than the camera, the freshest frames win. Default 2.
   */
  maxInFlight?: number;
  /** ffmpeg JPEG quality scale, 2 (best) .. 31. Default 5. */
  jpegQuality?: number;
  /** Default `tcp`. */
  rtspTransport?: 'tcp' | 'udp';
  /** Shown in the registry. Default the machine's host name. */
  host?: string;
}

/** What a stream is doing, as `status()` reports it. */
export interface StreamStatus {
  state: StreamState;
  /** Frames that left ffmpeg. */
  captured: number;
  /** Frames the queue accepted. */
  produced: number;
  /** Frames dropped before the queue or rejected by it. */
  dropped: number;
  reconnects: number;
  lastError?: string;
  width?: number;
  height?: number;
}

interface StreamCounters {
  produced: ReturnType<Counter<'stream' | 'type'>['labels']>;
  rejected: ReturnType<Counter<'stream' | 'type'>['labels']>;
  reconnects: ReturnType<Counter<'stream' | 'type'>['labels']>;
  captureErrors: ReturnType<Counter<'stream' | 'type'>['labels']>;
  drops: Record<LocalDropReason, ReturnType<Counter<'stream' | 'type' | 'reason'>['labels']>>;
  fps: ReturnType<Gauge<'stream' | 'type'>['labels']>;
}

/**
 * One camera or file into its frame queue: ffmpeg capture, JPEG frames (encoded once),
 * queue pushes, a registry heartbeat and metrics. Files are paced at their frame rate
 * (or read as fast as the workers take frames under `lossless`) and may loop; anything
 * that stops is restarted with capped exponential backoff, for ever, until `stop()`.
 */
export class StreamProducer {
  readonly stream: Readonly<ProducedStreamConfig>;
  readonly kind: SourceKind;
  private readonly options: StreamProducerOptions;
  private readonly logger: Logger;
  private readonly throttled: ThrottledLog;
  private readonly backoff: Backoff;
  private readonly lossless: boolean;
  private readonly maxInFlight: number;
  private readonly stallTimeoutMs: number;
  private readonly counters: StreamCounters;
  private readonly rate = new RateMeter(10);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private heartbeat: StreamHeartbeat | undefined;
  private capture: FfmpegCapture | undefined;
  private running: Promise<void> | undefined;
  private seq = 0;
  private current: StreamStatus = {
    state: 'connecting',
    captured: 0,
    produced: 0,
    dropped: 0,
    reconnects: 0,
  };

  /** Throws `SourceError` for a source that can never work (malformed URL, missing file). */
  constructor(options: StreamProducerOptions) {
    if (options.queue.type !== options.stream.type) {
      throw new TypeError(
        `stream ${options.stream.name} is of type "${options.stream.type}" but its queue is "${options.queue.type}"`,
      );
    }
    this.options = options;
    this.stream = { ...options.stream };
    this.kind = classifySource(options.stream.source);
    this.logger = options.logger.child({ stream: options.stream.name });
    this.throttled = new ThrottledLog(this.logger);
    this.backoff = new Backoff({ maxMs: CAPTURE_RETRY_MAX_MS, ...options.backoff });
    this.lossless = options.queue.policy === 'lossless';
    this.maxInFlight = options.maxInFlight ?? 2;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 10_000;
    const labels = { stream: options.stream.name, type: options.stream.type };
    const m = options.metrics;
    this.counters = {
      produced: m.producedFrames.labels(labels),
      rejected: m.rejectedFrames.labels(labels),
      reconnects: m.reconnects.labels(labels),
      captureErrors: m.captureErrors.labels(labels),
      drops: {
        backpressure: m.localDrops.labels({ ...labels, reason: 'backpressure' }),
        redis: m.localDrops.labels({ ...labels, reason: 'redis' }),
        'too-large': m.localDrops.labels({ ...labels, reason: 'too-large' }),
      },
      fps: m.captureFps.labels(labels),
    };
  }

  /**
   * Starts producing. The promise settles when the stream is over: a file reached its end
   * (without `loop`) or `stop()` was called. Source failures never reject it; they are
   * retried and shown in `status()`, the registry and the metrics.
   */
  start(): Promise<void> {
    this.running ??= this.run();
    return this.running;
  }

  /** Stops ffmpeg, waits for pushes in flight and removes the stream from the registry. */
  async stop(): Promise<void> {
    if (!this.abort.signal.aborted) this.abort.abort(new Error('producer stopped'));
    this.capture?.kill('producer stopped');
    await this.running;
  }

  status(): StreamStatus {
    return { ...this.current };
  }

  private async run(): Promise<void> {
    const { stream, registry } = this.options;
    this.heartbeat = registry.keepAlive(
      {
        id: stream.name,
        type: stream.type,
        source: stream.source,
        state: 'connecting',
        host: this.options.host ?? hostname(),
        fps: stream.fps,
        frames: 0,
        reconnects: 0,
      },
      this.options.heartbeatMs ?? CONFIG_DEFAULTS.registry.heartbeatMs,
      (error) => {
        this.options.metrics.core.errors.inc({ kind: 'redis' });
        this.throttled.warn(
          'heartbeat',
          { err: error.message },
          'stream registry heartbeat failed',
        );
      },
    );
    this.setState('connecting');
    this.logger.info(
      {
        source: maskCredentials(this.stream.source),
        kind: this.kind,
        policy: this.options.queue.policy,
      },
      'stream starting',
    );
    try {
      while (!this.stopping) {
        const end = await this.captureOnce();
        if (this.stopping) break;
        if (end.frames > 0) this.backoff.reset();
        if (end.ok && this.kind === 'file' && this.stream.loop !== true) {
          this.logger.info({ frames: this.current.captured }, 'file finished');
          break;
        }
        // ffmpeg quotes the URL in its errors: keep camera passwords out of the registry and logs.
        const message = maskCredentials(
          end.error?.message.trim() ??
            (this.kind === 'file' ? 'ffmpeg ended' : 'the source ended the stream'),
        );
        this.counters.captureErrors.inc();
        this.options.metrics.core.errors.inc({ kind: 'capture' });
        const delay = this.backoff.next();
        this.current.lastError = message;
        this.setState('retrying');
        this.logger.warn({ err: message, retryInMs: delay }, 'capture stopped; retrying');
        await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => undefined);
        if (this.stopping) break;
        this.current.reconnects += 1;
        this.counters.reconnects.inc();
        this.heartbeat.update({ reconnects: this.current.reconnects });
      }
    } finally {
      await Promise.allSettled([...this.inFlight]);
      this.setState('stopped');
      this.counters.fps.set(0);
      await this.heartbeat.stop(true);
      this.logger.info(
        { captured: this.current.captured, produced: this.current.produced },
        'stream stopped',
      );
    }
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  /** Runs ffmpeg once, until the source ends or fails or the producer stops. */
  private async captureOnce(): Promise<CaptureEnd & { frames: number }> {
    const capture = new FfmpegCapture({
      ffmpegPath: this.options.ffmpegPath,
      source: this.stream.source,
      kind: this.kind,
      fps: this.stream.fps,
      maxWidth: this.stream.maxWidth,
      loop: this.stream.loop === true,
      realtime: !this.lossless,
      jpegQuality: this.options.jpegQuality ?? 5,
      rtspTransport: this.options.rtspTransport ?? 'tcp',
    });
    this.capture = capture;
    if (this.stopping) capture.kill('producer stopped');

    let frames = 0;
    let lastProgress = Date.now();
    let waitingForQueue = false;
    // ffmpeg's own I/O timeouts differ between versions; one watchdog covers every source
    // that connects but sends nothing, or stalls later.
    const watchdog = setInterval(
      () => {
        if (!waitingForQueue && Date.now() - lastProgress > this.stallTimeoutMs) {
          capture.kill(`no frame from the source for ${this.stallTimeoutMs / 1000} s`);
        }
      },
      Math.min(1000, this.stallTimeoutMs / 4),
    );
    watchdog.unref();
    try {
      for await (const image of capture.images as AsyncIterable<JpegImage>) {
        lastProgress = Date.now();
        frames += 1;
        if (frames === 1) this.goLive(image);
        const frame = this.toFrame(image);
        if (this.lossless) {
          waitingForQueue = true;
          await this.pushLossless(frame);
          waitingForQueue = false;
          lastProgress = Date.now();
        } else {
          this.pushLatest(frame);
        }
        if (this.stopping) {
          capture.kill('producer stopped');
          break;
        }
      }
    } catch (error) {
      capture.kill(`capture failed: ${(error as Error).message}`);
    } finally {
      clearInterval(watchdog);
    }
    const end = await capture.ended;
    this.capture = undefined;
    return { ...end, frames };
  }

  private goLive(image: JpegImage): void {
    this.current.width = image.width;
    this.current.height = image.height;
    delete this.current.lastError;
    this.heartbeat?.update({ width: image.width, height: image.height, lastError: undefined });
    this.setState('live');
    this.logger.info({ width: image.width, height: image.height }, 'stream live');
  }

  private toFrame(image: JpegImage): Frame {
    this.current.captured += 1;
    this.rate.mark();
    const fps = this.rate.rate();
    this.counters.fps.set(fps);
    this.heartbeat?.update({ frames: this.current.captured, fps: Math.round(fps * 10) / 10 });
    if (image.width !== this.current.width || image.height !== this.current.height) {
      this.current.width = image.width;
      this.current.height = image.height;
      this.heartbeat?.update({ width: image.width, height: image.height });
    }
    return {
      streamId: this.stream.name,
      type: this.stream.type,
      seq: this.seq++,
      captureTs: image.receivedAt,
      width: image.width,
      height: image.height,
      encoding: 'jpeg',
      data: image.data,
    };
  }

  /** Live sources: never wait. At most `maxInFlight` pushes; a frame beyond is dropped. */
  private pushLatest(frame: Frame): void {
    if (this.inFlight.size >= this.maxInFlight) {
      this.drop('backpressure');
      return;
    }
    let pushed: Promise<PushOutcome>;
    try {
      pushed = this.options.queue.push(frame);
    } catch (error) {
      this.rejectUnencodable(error);
      return;
    }
    const push: Promise<void> = pushed.then(
      (outcome) => {
        if (outcome.status === 'queued') {
          this.current.produced += 1;
          this.counters.produced.inc();
        } else {
          this.current.dropped += 1;
          this.counters.rejected.inc();
        }
      },
      (error: Error) => {
        this.drop('redis');
        this.options.metrics.core.errors.inc({ kind: 'redis' });
        this.throttled.warn('push', { err: error.message }, 'frame push failed; frame dropped');
      },
    );
    this.inFlight.add(push);
    void push.finally(() => this.inFlight.delete(push));
  }

  /** Lossless: wait for queue space, and retry through Redis outages; never drop. */
  private async pushLossless(frame: Frame): Promise<void> {
    const retry = new Backoff({ initialMs: 200, maxMs: 5000 });
    while (!this.stopping) {
      try {
        await this.options.queue.push(frame, { signal: this.abort.signal });
        this.current.produced += 1;
        this.counters.produced.inc();
        return;
      } catch (error) {
        if (this.stopping) return;
        // Retrying cannot make an oversized frame fit.
        if (error instanceof FrameEncodeError) return this.rejectUnencodable(error);
        this.options.metrics.core.errors.inc({ kind: 'redis' });
        this.throttled.warn(
          'push',
          { err: (error as Error).message },
          'frame push failed; retrying the same frame',
        );
        await sleep(retry.next(), undefined, { signal: this.abort.signal }).catch(() => undefined);
      }
    }
  }

  /** A frame the envelope cannot carry (larger than `limits.maxFrameBytes`): dropped and counted. */
  private rejectUnencodable(error: unknown): void {
    if (!(error instanceof FrameEncodeError)) throw error;
    this.drop('too-large');
    this.options.metrics.core.errors.inc({ kind: 'capture' });
    this.throttled.warn('encode', { err: error.message }, 'frame dropped');
  }

  private drop(reason: LocalDropReason): void {
    this.current.dropped += 1;
    this.counters.drops[reason].inc();
  }

  private setState(state: StreamState): void {
    this.current.state = state;
    const labels = { stream: this.stream.name, type: this.stream.type };
    for (const candidate of STREAM_STATES) {
      this.options.metrics.streamState.set(
        { ...labels, state: candidate },
        candidate === state ? 1 : 0,
      );
    }
    this.heartbeat?.update({ state, lastError: this.current.lastError });
  }
}
