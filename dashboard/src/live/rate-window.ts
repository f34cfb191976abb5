/**
 * Events per second over a sliding window, from a fixed ring of arrival times: no
 * allocation per event, so counting every frame costs nothing the GC sees.
 */
export class RateWindow {
  private readonly times: Float64Array;
  private next = 0;
  private count = 0;

  constructor(
    private readonly windowMs = 2000,
    capacity = 256,
  ) {
    this.times = new Float64Array(capacity);
  }

  add(now: number): void {
    this.times[this.next] = now;
    this.next = (this.next + 1) % this.times.length;
    if (this.count < this.times.length) this.count++;
  }

  /** Rate over the window ending at `now`. */
  perSecond(now: number): number {
    let inWindow = 0;
    let oldest = now;
    for (let i = 0; i < this.count; i++) {
      const t = this.times[(this.next - 1 - i + this.times.length) % this.times.length]!;
      if (now - t > this.windowMs) break;
      inWindow++;
      oldest = t;
    }
    if (inWindow < 2) return 0;
    // Over the span actually covered, so a stream that just started is not under-counted.
    const span = Math.max(now - oldest, 1000 / 60);
    return ((inWindow - 1) * 1000) / Math.min(span, this.windowMs);
  }
}
