/**
 * Events per second over a sliding window, kept in one-second buckets: O(window) memory
 * whatever the rate, and no timer of its own.
 */
export class RateMeter {
  private readonly buckets: Float64Array;
  private readonly windowSeconds: number;
  private currentSecond: number;
  private readonly startedSecond: number;

  constructor(windowSeconds = 10, now: () => number = Date.now) {
    this.windowSeconds = windowSeconds;
    this.buckets = new Float64Array(windowSeconds);
    this.now = now;
    this.currentSecond = Math.floor(now() / 1000);
    this.startedSecond = this.currentSecond;
  }

  private readonly now: () => number;

  mark(count = 1): void {
    this.advance();
    this.buckets[this.currentSecond % this.windowSeconds]! += count;
  }

  /** Average rate over the completed part of the window (at most `windowSeconds`). */
  rate(): number {
    this.advance();
    const seconds = Math.min(this.windowSeconds - 1, this.currentSecond - this.startedSecond);
    if (seconds <= 0) return 0;
    let sum = 0;
    for (let s = this.currentSecond - seconds; s < this.currentSecond; s++)
      sum += this.buckets[s % this.windowSeconds]!;
    return sum / seconds;
  }

  private advance(): void {
    const second = Math.floor(this.now() / 1000);
    if (second === this.currentSecond) return;
    const steps = Math.min(second - this.currentSecond, this.windowSeconds);
    for (let i = 1; i <= steps; i++)
      this.buckets[(this.currentSecond + i) % this.windowSeconds] = 0;
    this.currentSecond = second;
  }
}
