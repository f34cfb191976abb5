import { diagnostics } from './diagnostics';
import type { DecodedFrame, StreamSummary, ToLiveWorker } from './live-protocol';

/** What a feed needs from a view of it. */
export interface FeedViewer {
  /** Device pixels wide it would draw the stream; 0 while out of view. */
  wantedWidth(): number;
  /** A new frame is there to draw. */
  frameArrived(): void;
}

/**
 * One stream on the page: its newest decoded frame (the bitmap is owned here and closed
 * when replaced) and the views showing it. Not reactive on purpose: frames arrive many
 * times a second; the UI reads the figures on a slow tick.
 */
export class StreamFeed {
  latest: DecodedFrame | undefined;
  summary: StreamSummary | undefined;
  private readonly viewers = new Set<FeedViewer>();
  private released: DecodedFrame | undefined;
  private wanted = 0;

  constructor(
    readonly id: string,
    private readonly send: (message: ToLiveWorker) => void,
  ) {}

  attach(viewer: FeedViewer): () => void {
    this.viewers.add(viewer);
    this.viewChanged();
    if (this.latest) viewer.frameArrived();
    return () => {
      this.viewers.delete(viewer);
      this.viewChanged();
    };
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** A viewer scrolled in or out or changed size: tell the worker what to decode. */
  viewChanged(): void {
    let width = 0;
    for (const viewer of this.viewers) width = Math.max(width, viewer.wantedWidth());
    if (width !== this.wanted) {
      this.wanted = width;
      if (width > 0) this.send({ op: 'want', streamId: this.id, width });
      else this.send({ op: 'unwant', streamId: this.id });
    }
    // Nobody will draw the frame waiting here: let the worker go on.
    if (width === 0 && this.latest) this.done(this.latest);
  }

  deliver(frame: DecodedFrame): void {
    const previous = this.latest;
    this.latest = frame;
    diagnostics.openBitmaps++;
    if (previous) {
      previous.bitmap.close();
      diagnostics.openBitmaps--;
    }
    if (this.wanted === 0) this.done(frame);
    else for (const viewer of this.viewers) viewer.frameArrived();
  }

  /** The frame was drawn (or is not needed): the worker may decode the next one. */
  done(frame: DecodedFrame): void {
    if (frame !== this.latest || frame === this.released) return;
    this.released = frame;
    this.send({ op: 'done', streamId: this.id });
  }

  /** Closes the bitmap held (the stream left the page). */
  dispose(): void {
    if (this.latest) {
      this.latest.bitmap.close();
      diagnostics.openBitmaps--;
      this.latest = undefined;
    }
  }
}
