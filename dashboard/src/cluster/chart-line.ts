import type { TypeSeries } from './cluster-history';

/** One line of a TimeSeriesChart. */
export interface ChartLine {
  label: string;
  colour: string;
  pick: (series: TypeSeries) => number[];
  /** Lines on the right scale get the right-hand axis (for figures of another unit). */
  scale?: 'left' | 'right';
}
