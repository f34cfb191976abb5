/** Something that draws its newest frame when the browser is about to render. */
export interface Paintable {
  paint(now: number): void;
}

/**
 * Coalesces every painter's work into one requestAnimationFrame callback: however many
 * frames arrive between two renders, each canvas is drawn at most once, with the newest.
 */
export class PaintScheduler {
  private readonly due = new Set<Paintable>();
  private handle: number | undefined;
  /** Paints done since start, for the diagnostics hook. */
  paints = 0;

  constructor(
    private readonly requestFrame: (callback: (now: number) => void) => number = (callback) =>
      requestAnimationFrame(callback),
    private readonly cancelFrame: (handle: number) => void = (handle) =>
      cancelAnimationFrame(handle),
  ) {}

  request(painter: Paintable): void {
    this.due.add(painter);
    this.handle ??= this.requestFrame(this.run);
  }

  cancel(painter: Paintable): void {
    this.due.delete(painter);
    if (this.due.size === 0 && this.handle !== undefined) {
      this.cancelFrame(this.handle);
      this.handle = undefined;
    }
  }

  private readonly run = (now: number): void => {
    this.handle = undefined;
    const painters = [...this.due];
    this.due.clear();
    for (const painter of painters) {
      this.paints++;
      painter.paint(now);
    }
  };
}
