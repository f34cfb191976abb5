export interface BackoffOptions {
  /** First delay. Default 500 ms. */
  initialMs?: number;
  /** Largest delay. Default 10 s. */
  maxMs?: number;
  /** Share of the delay drawn at random, so many dashboards do not reconnect in step. Default 0.2. */
  jitter?: number;
  random?: () => number;
}

/** Capped exponential backoff with jitter: 0.5 s, 1 s, 2 s ... 10 s, reset after a success. */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 10_000;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
  }

  get attempts(): number {
    return this.attempt;
  }

  /** The delay before the next try. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt++;
    const spread = base * this.jitter;
    return Math.round(base - spread + this.random() * 2 * spread);
  }

  reset(): void {
    this.attempt = 0;
  }
}
