import { describe, expect, it } from 'vitest';
import { typeView } from '../testing/fakes';
import { ClusterHistory } from './cluster-history';

describe('ClusterHistory', () => {
  it('keeps the last minutes of each type column-wise and forgets types that left', () => {
    const history = new ClusterHistory(60_000);
    for (let t = 0; t <= 120_000; t += 2000) {
      history.record(
        [typeView('people', { inferFps: t / 1000 }), ...(t < 10_000 ? [typeView('car')] : [])],
        t,
      );
    }
    const people = history.series('people')!;
    expect(people.time[0]).toBe(60);
    expect(people.time.at(-1)).toBe(120);
    expect(people.inferFps).toHaveLength(people.time.length);
    expect(people.inferFps.at(-1)).toBe(120);
    expect(people.workers.at(-1)).toBe(1);
    expect(history.series('car')).toBeUndefined();
  });
});
