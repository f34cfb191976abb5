import type { Redis } from 'ioredis';
import { CONFIG_DEFAULTS } from '../config/defaults.js';

/** Something operators should see happen: a scaling step, a worker restart. */
export interface PlatformEvent {
  /** ms since epoch. */
  at: number;
  kind: 'scale' | 'restart';
  /** Inference type or process the event is about. */
  subject: string;
  message: string;
  /** For `scale`: replicas before and after. */
  from?: number;
  to?: number;
}

/**
 * A short capped history of platform events in a Redis stream, written by the launcher's
 * autoscaler and read by the gateway for the dashboard.
 */
export class EventLog {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    keyPrefix = CONFIG_DEFAULTS.redis.keyPrefix,
    private readonly maxLen = 1000,
  ) {
    this.key = `${keyPrefix}events`;
  }

  async append(event: PlatformEvent): Promise<void> {
    await this.redis.xadd(
      this.key,
      'MAXLEN',
      '~',
      this.maxLen,
      '*',
      'event',
      JSON.stringify(event),
    );
  }

  /** Newest first. */
  async recent(limit = 50): Promise<PlatformEvent[]> {
    const entries = await this.redis.xrevrange(this.key, '+', '-', 'COUNT', limit);
    const events: PlatformEvent[] = [];
    for (const [, fields] of entries) {
      try {
        events.push(JSON.parse(fields[1] ?? '') as PlatformEvent);
      } catch {
        continue;
      }
    }
    return events;
  }
}
