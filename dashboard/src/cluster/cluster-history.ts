import type { TypeView } from '../api/api-types';

/** One type's recent samples, column-wise as uPlot takes them (time in seconds). */
export interface TypeSeries {
  time: number[];
  inferFps: number[];
  dropFps: number[];
  scaleRatio: number[];
  queueDepth: number[];
  workers: number[];
}

/**
 * The last minutes of each type's figures, sampled on every /api/types poll. The gateway
 * serves only the present; the history lives in the page, so a reload starts it again.
 */
export class ClusterHistory {
  private readonly byType = new Map<string, TypeSeries>();

  constructor(readonly windowMs = 5 * 60_000) {}

  record(types: readonly TypeView[], now = Date.now()): void {
    const seen = new Set<string>();
    for (const type of types) {
      seen.add(type.name);
      let series = this.byType.get(type.name);
      if (!series) {
        series = {
          time: [],
          inferFps: [],
          dropFps: [],
          scaleRatio: [],
          queueDepth: [],
          workers: [],
        };
        this.byType.set(type.name, series);
      }
      series.time.push(now / 1000);
      series.inferFps.push(type.inferFps);
      series.dropFps.push(type.dropFps);
      series.scaleRatio.push(type.scaleRatio);
      series.queueDepth.push(type.queueDepth);
      series.workers.push(type.workers.length);
      const cutoff = (now - this.windowMs) / 1000;
      let old = 0;
      while (old < series.time.length && series.time[old]! < cutoff) old++;
      if (old > 0) for (const column of Object.values(series)) column.splice(0, old);
    }
    for (const name of this.byType.keys()) if (!seen.has(name)) this.byType.delete(name);
  }

  series(type: string): TypeSeries | undefined {
    return this.byType.get(type);
  }
}
