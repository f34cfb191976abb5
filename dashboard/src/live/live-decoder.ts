import type { InferenceResult } from '@ei/core/browser';
import { LiveConnection, type SocketLike } from './live-connection';
import type { FromLiveWorker, LiveCounters, StreamSummary, ToLiveWorker } from './live-protocol';
import { RateWindow } from './rate-window';

/** Decodes a JPEG into a bitmap of the given size (tests pass a fake). */
export type DecodeJpeg = (jpeg: Uint8Array, width: number, height: number) => Promise<ImageBitmap>;

/**
 * The browser decodes the JPEG off the calling thread, and resizing in the same step
 * makes the page's drawImage a plain copy. No object URL, no <img>: nothing to revoke.
 */
export const decodeJpeg: DecodeJpeg = (jpeg, width, height) =>
  createImageBitmap(new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }), {
    resizeWidth: width,
    resizeHeight: height,
    resizeQuality: 'medium',
  });

export interface LiveDecoderOptions {
  post: (message: FromLiveWorker, transfer?: Transferable[]) => void;
  decode?: DecodeJpeg;
  createSocket?: (url: string) => SocketLike;
  /** Period of the stream summaries. Default 500 ms. */
  summaryMs?: number;
}

interface StreamState {
  id: string;
  type: string;
  latest: { result: InferenceResult; jpeg: Uint8Array; receivedAt: number } | undefined;
  received: number;
  rate: RateWindow;
  /** Device pixels the widest visible view needs; 0 when no view shows the stream. */
  wantWidth: number;
  /** A frame is being decoded or waits on the page; the next waits for `done`. */
  busy: boolean;
  taken: unknown;
}

/**
 * The live worker's logic, free of worker plumbing so tests run it in-process. Every
 * result message is parsed (cheap: a small JSON header) and counted, but only the newest
 * frame of a stream some view shows is decoded, and only once the page is done with the
 * previous one. So decoding follows the display, never the stream rate, and frames that
 * arrive meanwhile are dropped here, before any pixel work.
 */
export class LiveDecoder {
  private readonly streams = new Map<string, StreamState>();
  private readonly connection: LiveConnection;
  private readonly decode: DecodeJpeg;
  private readonly summaryTimer: ReturnType<typeof setInterval>;
  private url = '';
  private started = false;
  readonly counters: LiveCounters = { messages: 0, decoded: 0, decodeErrors: 0 };

  constructor(private readonly options: LiveDecoderOptions) {
    this.decode = options.decode ?? decodeJpeg;
    this.connection = new LiveConnection({
      url: () => this.url,
      onResult: (result, jpeg) => this.accept(result, jpeg),
      onStatus: (status) => options.post({ type: 'status', status }),
      onUndecodable: () => this.counters.decodeErrors++,
      createSocket: options.createSocket,
    });
    this.summaryTimer = setInterval(() => this.summarise(), options.summaryMs ?? 500);
  }

  handle(message: ToLiveWorker): void {
    switch (message.op) {
      case 'connect':
        this.url = message.url;
        if (this.started) this.connection.reconnect();
        else this.connection.start();
        this.started = true;
        return;
      case 'disconnect':
        this.started = false;
        this.connection.stop();
        return;
      case 'select':
        this.connection.select(message.streams);
        return;
      case 'want': {
        const stream = this.stream(message.streamId);
        stream.wantWidth = message.width;
        this.take(stream);
        return;
      }
      case 'unwant':
        this.stream(message.streamId).wantWidth = 0;
        return;
      case 'done': {
        const stream = this.stream(message.streamId);
        stream.busy = false;
        this.take(stream);
        return;
      }
    }
  }

  close(): void {
    clearInterval(this.summaryTimer);
    this.connection.stop();
  }

  accept(result: InferenceResult, jpeg: Uint8Array, now = Date.now()): void {
    this.counters.messages++;
    const stream = this.stream(result.streamId);
    stream.type = result.type;
    stream.latest = { result, jpeg, receivedAt: now };
    stream.received++;
    stream.rate.add(now);
    this.take(stream);
  }

  private stream(id: string): StreamState {
    let stream = this.streams.get(id);
    if (!stream) {
      stream = {
        id,
        type: '',
        latest: undefined,
        received: 0,
        rate: new RateWindow(),
        wantWidth: 0,
        busy: false,
        taken: undefined,
      };
      this.streams.set(id, stream);
    }
    return stream;
  }

  private take(stream: StreamState): void {
    const frame = stream.latest;
    if (stream.wantWidth <= 0 || stream.busy || !frame || frame === stream.taken) return;
    stream.busy = true;
    stream.taken = frame;
    const { width, height } = frame.result;
    // Never upscale while decoding: a larger canvas scales in drawImage instead.
    const bitmapWidth = Math.max(1, Math.min(width, stream.wantWidth));
    const bitmapHeight = Math.max(1, Math.round((bitmapWidth * height) / width));
    this.decode(frame.jpeg, bitmapWidth, bitmapHeight).then(
      (bitmap) => {
        this.counters.decoded++;
        this.options.post(
          { type: 'frame', frame: { result: frame.result, bitmap, receivedAt: frame.receivedAt } },
          [bitmap],
        );
      },
      () => {
        // A broken JPEG costs this frame only; the next one is taken as usual.
        this.counters.decodeErrors++;
        stream.busy = false;
        this.take(stream);
      },
    );
  }

  private summarise(now = Date.now()): void {
    const summaries: StreamSummary[] = [];
    for (const [id, stream] of this.streams) {
      const lastReceivedAt = stream.latest?.receivedAt ?? 0;
      // Streams silent for a minute that no view shows are forgotten, so streams coming
      // and going for days do not accumulate.
      if (now - lastReceivedAt > 60_000 && stream.wantWidth === 0 && !stream.busy) {
        this.streams.delete(id);
        continue;
      }
      if (!stream.latest) continue;
      summaries.push({
        id,
        type: stream.type,
        received: stream.received,
        fps: stream.rate.perSecond(now),
        lastReceivedAt,
      });
    }
    this.options.post({ type: 'summary', streams: summaries, counters: { ...this.counters } });
  }
}
