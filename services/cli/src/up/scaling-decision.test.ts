import { describe, expect, it } from 'vitest';
import { ScalingDecision } from './scaling-decision.js';

describe('ScalingDecision (the HPA rule)', () => {
  it('scales up at once to ceil(current × average / target)', () => {
    const d = new ScalingDecision({ minReplicas: 1, maxReplicas: 10, target: 1 });
    expect(d.evaluate(2, [1.8, 2.0], 0)).toMatchObject({ desired: 4, reason: 'scale-up' });
    expect(d.evaluate(1, [2.6], 0)).toMatchObject({ desired: 3, reason: 'scale-up' });
  });

  it('does nothing within 10% of the target', () => {
    const d = new ScalingDecision({ minReplicas: 1, maxReplicas: 10, target: 1 });
    expect(d.evaluate(3, [1.05, 1.08, 1.06], 0)).toMatchObject({
      desired: 3,
      reason: 'within-tolerance',
    });
    expect(d.evaluate(3, [0.93, 0.95, 0.92], 0)).toMatchObject({
      desired: 3,
      reason: 'within-tolerance',
    });
  });

  it('scales down only after the stabilisation window', () => {
    const d = new ScalingDecision({
      minReplicas: 1,
      maxReplicas: 4,
      target: 1,
      scaleDownWindowMs: 10_000,
    });
    expect(d.evaluate(2, [1.0, 1.0], 0).desired).toBe(2);
    // Load gone: recommendation 1, but 2 was recommended within the window.
    expect(d.evaluate(2, [0.1, 0.1], 5_000)).toMatchObject({ desired: 2, reason: 'stabilising' });
    expect(d.evaluate(2, [0.1, 0.1], 10_001)).toMatchObject({ desired: 1, reason: 'scale-down' });
  });

  it('keeps within min and max, and holds when no replica reports', () => {
    const d = new ScalingDecision({ minReplicas: 1, maxReplicas: 2, target: 1 });
    expect(d.evaluate(1, [5], 0)).toMatchObject({ desired: 2 });
    expect(d.evaluate(2, [], 0)).toMatchObject({ desired: 2, reason: 'no-metrics' });
    expect(d.evaluate(2, [Number.NaN], 0)).toMatchObject({ desired: 2, reason: 'no-metrics' });
    expect(() => new ScalingDecision({ minReplicas: 3, maxReplicas: 2, target: 1 })).toThrow(
      RangeError,
    );
  });
});
