import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles up to the cap, with bounded jitter, and starts over after reset', () => {
    const exact = new Backoff({ initialMs: 500, maxMs: 10_000, jitter: 0 });
    expect(Array.from({ length: 7 }, () => exact.next())).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
    exact.reset();
    expect(exact.next()).toBe(500);
    const jittered = new Backoff({ initialMs: 1000, jitter: 0.2, random: () => 0.999 });
    expect(jittered.next()).toBeLessThanOrEqual(1200);
    expect(new Backoff({ initialMs: 1000, jitter: 0.2, random: () => 0 }).next()).toBe(800);
  });
});
