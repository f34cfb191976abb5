import type { BoxCandidate } from './detection-decoder.js';

export interface NmsOptions {
  /** Boxes of one class overlapping a better one by more than this are dropped. */
  iouThreshold: number;
  maxDetections: number;
}

export function intersectionOverUnion(a: readonly number[], b: readonly number[]): number {
  const width = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const height = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  if (width <= 0 || height <= 0) return 0;
  const intersection = width * height;
  const areaA = (a[2]! - a[0]!) * (a[3]! - a[1]!);
  const areaB = (b[2]! - b[0]!) * (b[3]! - b[1]!);
  return intersection / (areaA + areaB - intersection);
}

/** Greedy per-class NMS, best score first. */
export function nonMaxSuppression(
  candidates: readonly BoxCandidate[],
  options: NmsOptions,
): BoxCandidate[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: BoxCandidate[] = [];
  for (const candidate of sorted) {
    if (kept.length >= options.maxDetections) break;
    const overlaps = kept.some(
      (other) =>
        other.classId === candidate.classId &&
        intersectionOverUnion(other.box, candidate.box) > options.iouThreshold,
    );
    if (!overlaps) kept.push(candidate);
  }
  return kept;
}
