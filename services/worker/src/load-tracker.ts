import { RateMeter } from '@ei/core';

export interface LoadFigures {
  /** Frames this worker inferred per second. */
  inferFps: number;
  /** This worker's share of the type's dropped frames per second. */
  dropFps: number;
  /** Frames per second this worker could infer if it were never idle. */
  capacityFps: number;
  /**
   * (infer + drop) / capacity: the replicas this worker's share of demand needs. 1 when
   * busy and keeping up, above 1 when frames are being dropped, below 1 with spare
   * capacity, 0 when idle. Summed over a type's workers it is the number of workers that
   * demand needs, which is what an HPA with target average value 1 scales to.
   */
  scaleRatio: number;
}

/**
 * Turns what a worker observes (frames inferred, time busy, the type's exact drop count
 * from Redis, the number of live workers) into the scaling metrics.
 *
 * The reference demo computed (infer + drop) / infer, which never drops below 1 and so can
 * never scale down, and is 0/0 = NaN when idle (a missing metric to the HPA). Dividing by
 * capacity instead keeps the reference value when the worker is saturated (infer =
 * capacity) and reports spare capacity as a finite value below 1.
 */
export class LoadTracker {
  private readonly inferred: RateMeter;
  private readonly busyMs: RateMeter;
  private readonly typeDrops: RateMeter;
  private lastDropCount: number | undefined;
  private workers = 1;

  constructor(windowSeconds = 10, now: () => number = Date.now) {
    this.inferred = new RateMeter(windowSeconds, now);
    this.busyMs = new RateMeter(windowSeconds, now);
    this.typeDrops = new RateMeter(windowSeconds, now);
  }

  /** One frame done; `cycleMs` is the time it held the bottleneck stage (the model). */
  frameDone(cycleMs: number): void {
    this.inferred.mark(1);
    this.busyMs.mark(cycleMs);
  }

  /** The type's cumulative drop counter (exact, from Redis) and its live worker count. */
  observeType(droppedTotal: number, liveWorkers: number): void {
    if (this.lastDropCount !== undefined && droppedTotal >= this.lastDropCount) {
      this.typeDrops.mark(droppedTotal - this.lastDropCount);
    }
    // A counter that went backwards means Redis lost its data (restart): start again.
    this.lastDropCount = droppedTotal;
    this.workers = Math.max(1, liveWorkers);
  }

  figures(): LoadFigures {
    const inferFps = this.inferred.rate();
    const busyMsPerSecond = this.busyMs.rate();
    const dropFps = this.typeDrops.rate() / this.workers;
    // Mean cycle time over the window; capacity is its inverse. With no frame yet there is
    // no estimate, and none is needed: demand is 0 unless frames are being dropped.
    const meanCycleMs = inferFps > 0 ? busyMsPerSecond / inferFps : 0;
    const capacityFps = meanCycleMs > 0 ? 1000 / meanCycleMs : 0;
    const demand = inferFps + dropFps;
    let scaleRatio: number;
    if (capacityFps > 0) scaleRatio = demand / capacityFps;
    else scaleRatio = dropFps > 0 ? 2 : 0; // dropping with nothing inferred: overloaded or stuck
    return { inferFps, dropFps, capacityFps, scaleRatio };
  }
}
