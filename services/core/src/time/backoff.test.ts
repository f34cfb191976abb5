import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap and starts over after reset', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    expect(Array.from({ length: 7 }, () => backoff.next())).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
    expect(backoff.attempts).toBe(7);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(100);
    expect(backoff.delay(3)).toBe(800);
  });

  it('spreads delays by the jitter fraction without passing the cap', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 4000, jitter: 0.5, random: () => 0 });
    const high = new Backoff({
      initialMs: 1000,
      maxMs: 4000,
      jitter: 0.5,
      random: () => 0.999_999,
    });
    expect(low.next()).toBe(500);
    expect(high.next()).toBe(1500);
    for (let i = 0; i < 5; i++) expect(high.next()).toBeLessThanOrEqual(4000);
  });

  it('refuses settings that cannot back off', () => {
    expect(() => new Backoff({ initialMs: 10, maxMs: 5 })).toThrow(RangeError);
    expect(() => new Backoff({ initialMs: 0 })).toThrow(RangeError);
    expect(() => new Backoff({ jitter: 1 })).toThrow(RangeError);
  });
});
