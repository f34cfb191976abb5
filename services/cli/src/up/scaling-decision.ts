/**
 * The Kubernetes HPA's decision rule, so `ei up` scales local worker processes exactly as
 * an HPA on `ei_scale_ratio` would scale pods:
 *
 *   desired = ceil(current × averageMetric / target)
 *
 * with no change while averageMetric / target is within the tolerance (10%), scale-up
 * applied at once, and scale-down only to the highest recommendation seen during the
 * stabilisation window (300 s by default in Kubernetes), bounded by min and max.
 */
export interface ScalingPolicy {
  minReplicas: number;
  maxReplicas: number;
  /** Target average value of the metric. 1 for `ei_scale_ratio`. */
  target: number;
  /** Relative band around the target with no action. Default 0.1, as the HPA. */
  tolerance?: number;
  /** Scale-down stabilisation window, ms. Default 300 000, as the HPA. */
  scaleDownWindowMs?: number;
}

export interface ScalingStep {
  current: number;
  desired: number;
  /** Average of the metric over the current replicas. */
  averageMetric: number;
  reason: 'within-tolerance' | 'scale-up' | 'scale-down' | 'stabilising' | 'bounds' | 'no-metrics';
}

export class ScalingDecision {
  private readonly recommendations: { at: number; replicas: number }[] = [];
  private readonly policy: Required<ScalingPolicy>;

  constructor(policy: ScalingPolicy) {
    if (policy.minReplicas < 1 || policy.maxReplicas < policy.minReplicas) {
      throw new RangeError(
        `need 1 <= minReplicas <= maxReplicas, got ${policy.minReplicas}..${policy.maxReplicas}`,
      );
    }
    this.policy = { tolerance: 0.1, scaleDownWindowMs: 300_000, ...policy };
  }

  /**
   * One evaluation. `metrics` holds the metric of each ready replica; replicas that report
   * nothing yet are left out (as the HPA leaves out pods without metrics).
   */
  evaluate(current: number, metrics: readonly number[], now = Date.now()): ScalingStep {
    const { minReplicas, maxReplicas, target, tolerance, scaleDownWindowMs } = this.policy;
    const finite = metrics.filter((m) => Number.isFinite(m));
    if (finite.length === 0) {
      const bounded = clamp(current, minReplicas, maxReplicas);
      return {
        current,
        desired: bounded,
        averageMetric: Number.NaN,
        reason: bounded === current ? 'no-metrics' : 'bounds',
      };
    }
    const averageMetric = finite.reduce((sum, m) => sum + m, 0) / finite.length;
    const ratio = averageMetric / target;
    let raw = Math.abs(ratio - 1) <= tolerance ? current : Math.ceil(current * ratio);
    raw = clamp(raw, minReplicas, maxReplicas);

    this.recommendations.push({ at: now, replicas: raw });
    while (this.recommendations.length > 0 && this.recommendations[0]!.at < now - scaleDownWindowMs)
      this.recommendations.shift();

    if (raw > current) return { current, desired: raw, averageMetric, reason: 'scale-up' };
    // Scale down only as far as the highest recommendation of the window allows.
    const stabilised = Math.max(...this.recommendations.map((r) => r.replicas));
    const desired = Math.min(current, Math.max(raw, stabilised));
    if (desired < current) return { current, desired, averageMetric, reason: 'scale-down' };
    if (raw < current) return { current, desired: current, averageMetric, reason: 'stabilising' };
    return {
      current,
      desired: clamp(current, minReplicas, maxReplicas),
      averageMetric,
      reason: 'within-tolerance',
    };
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
