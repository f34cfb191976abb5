import { describe, expect, it } from 'vitest';
import { RateWindow } from './rate-window';

describe('RateWindow', () => {
  it('measures a steady rate and decays to 0 when the stream stops', () => {
    const rate = new RateWindow(2000);
    for (let t = 0; t <= 3000; t += 1000 / 15) rate.add(t);
    expect(rate.perSecond(3000)).toBeCloseTo(15, 0);
    expect(rate.perSecond(6000)).toBe(0);
  });

  it('does not under-count a stream that just started', () => {
    const rate = new RateWindow(2000);
    for (let t = 0; t <= 500; t += 100) rate.add(t);
    expect(rate.perSecond(500)).toBeCloseTo(10, 0);
  });
});
