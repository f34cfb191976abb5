import type { EventLog, Logger, WorkerRegistry } from '@ei/core';
import { ScalingDecision, type ScalingStep } from './scaling-decision.js';

export interface AutoscaledType {
  type: string;
  minWorkers: number;
  maxWorkers: number;
}

export interface LocalAutoscalerOptions {
  types: readonly AutoscaledType[];
  workers: WorkerRegistry;
  events: EventLog;
  logger: Logger;
  intervalMs: number;
  scaleDownWindowMs: number;
  tolerance: number;
  /** Worker processes of a type the launcher runs now. */
  current: (type: string) => number;
  /** Starts or stops worker processes until `replicas` run. */
  scaleTo: (type: string, replicas: number) => Promise<void>;
  /**
   * A worker counts only once it has reported for this long, like the HPA's readiness
   * delay: a worker still loading its model would otherwise pull the average down.
   */
  warmUpMs?: number;
}

/**
 * Applies the HPA rule on `ei_scale_ratio` to local worker processes, from the figures the
 * workers themselves report (the worker registry carries each worker's own metric values).
 */
export class LocalAutoscaler {
  private readonly decisions = new Map<string, ScalingDecision>();
  private timer: NodeJS.Timeout | undefined;
  private evaluating = false;

  constructor(private readonly options: LocalAutoscalerOptions) {
    for (const t of options.types) {
      this.decisions.set(
        t.type,
        new ScalingDecision({
          minReplicas: Math.max(1, t.minWorkers),
          maxReplicas: t.maxWorkers,
          target: 1,
          tolerance: options.tolerance,
          scaleDownWindowMs: options.scaleDownWindowMs,
        }),
      );
    }
  }

  start(): void {
    this.timer ??= setInterval(() => void this.evaluate(), this.options.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One evaluation of every type; returns the steps taken (for tests and logs). */
  async evaluate(now = Date.now()): Promise<ScalingStep[]> {
    if (this.evaluating) return [];
    this.evaluating = true;
    const steps: ScalingStep[] = [];
    try {
      for (const [type, decision] of this.decisions) {
        const workers = await this.options.workers.list(type, now);
        const warmUpMs = this.options.warmUpMs ?? 2 * this.options.intervalMs;
        const ratios = workers
          .filter((w) => w.state === 'ready' && now - w.startedAt >= warmUpMs)
          .map((w) => w.scaleRatio);
        const current = this.options.current(type);
        const step = decision.evaluate(current, ratios, now);
        steps.push(step);
        if (step.desired !== current) {
          const message = `${type}: ${current} → ${step.desired} workers (average ei_scale_ratio ${step.averageMetric.toFixed(2)}, ${step.reason})`;
          this.options.logger.info(
            { type, from: current, to: step.desired, averageRatio: step.averageMetric },
            message,
          );
          await this.options.events
            .append({
              at: now,
              kind: 'scale',
              subject: type,
              from: current,
              to: step.desired,
              message,
            })
            .catch(() => undefined);
          await this.options.scaleTo(type, step.desired);
        }
      }
    } catch (error) {
      this.options.logger.warn(
        { err: (error as Error).message },
        'autoscaler evaluation failed; retrying next interval',
      );
    } finally {
      this.evaluating = false;
    }
    return steps;
  }
}
