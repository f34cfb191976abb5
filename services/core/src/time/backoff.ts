export interface BackoffOptions {
  /** First delay. Default 500 ms. */
  initialMs?: number;
  /** Delays never exceed this. Default 10 s. */
  maxMs?: number;
  /**
   * Share of each delay drawn at random (±), so many clients of one server do not retry in
   * lock-step. Default 0.2; 0 gives the exact doubling.
   */
  jitter?: number;
  /** Source of randomness in [0, 1). Default `Math.random`. */
  random?: () => number;
}

/**
 * Capped exponential backoff: initial, 2×, 4× … up to the cap, for ever, with jitter; a
 * success starts over. Browser-safe (the dashboard's reconnects use it too).
 */
export class Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private attempt = 0;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 10_000;
    this.jitter = options.jitter ?? 0.2;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs > 0) || !(this.maxMs >= this.initialMs)) {
      throw new RangeError(
        `backoff needs 0 < initialMs <= maxMs, got ${this.initialMs} and ${this.maxMs}`,
      );
    }
    if (!(this.jitter >= 0 && this.jitter < 1)) {
      throw new RangeError(`backoff jitter must be in [0, 1), got ${this.jitter}`);
    }
  }

  /** Delays handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  /** Delay before the next attempt. */
  next(): number {
    const delay = this.delay(this.attempt);
    this.attempt += 1;
    return delay;
  }

  /** Delay before attempt `attempt` (0-based), without changing the state. */
  delay(attempt: number): number {
    const base = Math.min(this.initialMs * 2 ** Math.min(attempt, 30), this.maxMs);
    const spread = base * this.jitter * (this.random() * 2 - 1);
    return Math.round(Math.min(this.maxMs, base + spread));
  }

  /** After a success: the next failure starts from the initial delay again. */
  reset(): void {
    this.attempt = 0;
  }
}
