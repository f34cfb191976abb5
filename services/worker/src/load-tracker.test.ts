import { describe, expect, it } from 'vitest';
import { LoadTracker } from './load-tracker.js';

/** Drives a tracker through `seconds` of simulated time at a steady load. */
function simulate(options: {
  fps: number;
  cycleMs: number;
  typeDropFps: number;
  workers: number;
  seconds: number;
}) {
  let now = 1_000_000;
  const tracker = new LoadTracker(10, () => now);
  let dropped = 0;
  tracker.observeType(dropped, options.workers);
  for (let s = 0; s < options.seconds; s++) {
    for (let f = 0; f < options.fps; f++) {
      tracker.frameDone(options.cycleMs);
      now += 1000 / options.fps;
    }
    if (options.fps === 0) now += 1000;
    dropped += options.typeDropFps;
    tracker.observeType(dropped, options.workers);
  }
  return tracker.figures();
}

describe('LoadTracker', () => {
  it('saturated and keeping up: ratio 1', () => {
    const f = simulate({ fps: 20, cycleMs: 50, typeDropFps: 0, workers: 1, seconds: 12 });
    expect(f.inferFps).toBeCloseTo(20, 5);
    expect(f.capacityFps).toBeCloseTo(20, 5);
    expect(f.scaleRatio).toBeCloseTo(1, 5);
  });

  it('overloaded: (infer + drop) / infer, with the type drops shared among workers', () => {
    // Two saturated workers at 20 fps each; the type drops 40 fps: demand is 80 fps, 4 workers.
    const f = simulate({ fps: 20, cycleMs: 50, typeDropFps: 40, workers: 2, seconds: 12 });
    expect(f.dropFps).toBeCloseTo(20, 5);
    expect(f.scaleRatio).toBeCloseTo(2, 5);
    // Summed over the two workers: 4 replicas needed.
  });

  it('spare capacity: a finite ratio below 1', () => {
    // 5 fps of 50 ms frames: busy a quarter of the time.
    const f = simulate({ fps: 5, cycleMs: 50, typeDropFps: 0, workers: 1, seconds: 12 });
    expect(f.scaleRatio).toBeCloseTo(0.25, 5);
  });

  it('idle: 0, never NaN', () => {
    const f = simulate({ fps: 0, cycleMs: 50, typeDropFps: 0, workers: 1, seconds: 12 });
    expect(f.scaleRatio).toBe(0);
    expect(Number.isFinite(f.inferFps)).toBe(true);
  });

  it('a drop counter that goes back (Redis restarted) is not read as negative drops', () => {
    let now = 0;
    const tracker = new LoadTracker(10, () => now);
    tracker.observeType(1000, 1);
    now += 1000;
    tracker.observeType(3, 1);
    now += 1000;
    tracker.observeType(5, 1);
    now += 1000;
    expect(tracker.figures().dropFps).toBeGreaterThanOrEqual(0);
  });
});
