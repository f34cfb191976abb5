export interface BackoffOptions {
  /** First delay. Default 500 ms. */
  initialMs?: number;
  /** Delays never exceed this. Default 30 s. */
  maxMs?: number;
  /** Fraction of random spread, so producers of one camera do not retry in lock-step. Default 0.2. */
  jitter?: number;
}

/** Capped exponential backoff: initial, 2x, 4x ... up to the cap, for ever. */
export class Backoff {
  private attempt = 0;
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly jitter: number;

  constructor(
    options: BackoffOptions = {},
    private readonly random: () => number = Math.random,
  ) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.jitter = options.jitter ?? 0.2;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs)) {
      throw new RangeError(
        `backoff needs 0 < initialMs <= maxMs, got ${this.initialMs} and ${this.maxMs}`,
      );
    }
  }

  /** Delay before the next attempt. */
  next(): number {
    const base = Math.min(this.initialMs * 2 ** Math.min(this.attempt, 30), this.maxMs);
    this.attempt += 1;
    const spread = base * this.jitter * (this.random() * 2 - 1);
    return Math.round(Math.min(this.maxMs, Math.max(this.initialMs / 2, base + spread)));
  }

  /** After a success: the next failure starts from the initial delay again. */
  reset(): void {
    this.attempt = 0;
  }
}
