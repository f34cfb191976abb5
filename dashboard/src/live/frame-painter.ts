import type { InferenceResult } from '@ei/core/browser';
import { diagnostics } from './diagnostics';
import { drawDetections } from './draw-detections';
import type { DecodedFrame } from './live-protocol';
import type { Paintable, PaintScheduler } from './paint-scheduler';
import type { FeedViewer, StreamFeed } from './stream-feed';

export interface FramePainterOptions {
  canvas: HTMLCanvasElement;
  feed: StreamFeed;
  scheduler: PaintScheduler;
  devicePixelRatio?: () => number;
}

/**
 * Shows one stream's newest frame with its detections in one canvas. The frame arrives
 * decoded (and already sized to this canvas) from the live worker; painting is a
 * drawImage and the boxes, at most once per animation frame, with whatever is newest
 * then. Out of view it asks for nothing, so the worker decodes nothing for it.
 */
export class FramePainter implements Paintable, FeedViewer {
  private readonly canvas: HTMLCanvasElement;
  private readonly feed: StreamFeed;
  private readonly scheduler: PaintScheduler;
  private readonly pixelRatio: () => number;
  private readonly detach: () => void;
  private context: CanvasRenderingContext2D | null | undefined;
  private visible = true;
  private cssWidth = 0;
  private drawn: DecodedFrame | undefined;
  private drawnWidth = 0;
  private aspect = '';
  private boxAttribute = '';
  private disposed = false;

  /** Frames drawn by this painter. */
  painted = 0;
  /** Capture-to-display latency, smoothed; undefined before the first frame. */
  latencyMs: number | undefined;
  /** Boxes in the frame on screen. */
  boxes = 0;

  constructor(options: FramePainterOptions) {
    this.canvas = options.canvas;
    this.feed = options.feed;
    this.scheduler = options.scheduler;
    this.pixelRatio = options.devicePixelRatio ?? (() => globalThis.devicePixelRatio || 1);
    this.detach = this.feed.attach(this);
  }

  /** The result on screen. */
  get result(): InferenceResult | undefined {
    return this.drawn?.result;
  }

  wantedWidth(): number {
    if (this.disposed || !this.visible) return 0;
    return this.canvasWidth();
  }

  frameArrived(): void {
    if (this.visible) this.scheduler.request(this);
  }

  /** Tiles out of the viewport stop asking for frames; back in view they get the newest. */
  setVisible(visible: boolean): void {
    if (visible === this.visible) return;
    this.visible = visible;
    this.feed.viewChanged();
    if (visible) this.scheduler.request(this);
  }

  /** The canvas's CSS width: frames are decoded to fit it. */
  setCssWidth(width: number): void {
    if (Math.abs(width - this.cssWidth) < 1) return;
    this.cssWidth = width;
    this.feed.viewChanged();
    this.scheduler.request(this);
  }

  dispose(): void {
    this.disposed = true;
    this.scheduler.cancel(this);
    this.detach();
  }

  paint(): void {
    const frame = this.feed.latest;
    if (this.disposed || !frame) return;
    const width = this.canvasWidth();
    if (frame === this.drawn && width === this.drawnWidth) return;
    const isNew = frame !== this.drawn;
    this.draw(frame, width);
    this.drawn = frame;
    this.drawnWidth = width;
    if (!isNew) return;
    this.painted++;
    diagnostics.painted++;
    const latency = Date.now() - frame.result.captureTs;
    this.latencyMs = this.latencyMs === undefined ? latency : this.latencyMs * 0.8 + latency * 0.2;
    this.feed.done(frame);
  }

  private canvasWidth(): number {
    const cssWidth = this.cssWidth || this.canvas.clientWidth || 640;
    return Math.max(1, Math.round(cssWidth * this.pixelRatio()));
  }

  private draw({ bitmap, result }: DecodedFrame, width: number): void {
    const height = Math.max(1, Math.round((width * result.height) / result.width));
    const canvas = this.canvas;
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const aspect = `${result.width} / ${result.height}`;
    if (aspect !== this.aspect) {
      this.aspect = aspect;
      canvas.style.aspectRatio = aspect;
    }
    this.context ??= canvas.getContext('2d', { alpha: false });
    const context = this.context;
    if (!context) return;
    context.drawImage(bitmap, 0, 0, width, height);
    this.boxes = drawDetections(context, result.detections, width, height, this.pixelRatio());
    // Only on change: an attribute write per frame would be style work per frame.
    const boxes = String(this.boxes);
    if (boxes !== this.boxAttribute) {
      this.boxAttribute = boxes;
      canvas.dataset.boxes = boxes;
    }
  }
}
