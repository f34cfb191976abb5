import type { Redis } from 'ioredis';
import { workerKeys } from '../redis/keys.js';
import { CONFIG_DEFAULTS } from '../config/defaults.js';

/** What a worker reports about itself on each heartbeat. */
export interface WorkerStatus {
  id: string;
  type: string;
  host: string;
  model: string;
  state: 'starting' | 'ready' | 'stopping';
  inferFps: number;
  dropFps: number;
  scaleRatio: number;
  /** Mean model run time over the last window, ms. */
  inferenceMs?: number;
}

export interface WorkerInfo extends WorkerStatus {
  startedAt: number;
  lastSeen: number;
}

export interface WorkerRegistryOptions {
  redis: Redis;
  keyPrefix?: string;
  /** A worker not refreshed for this long is gone. Default: the config's `registry.ttlMs`. */
  ttlMs?: number;
}

const NUMERIC = [
  'inferFps',
  'dropFps',
  'scaleRatio',
  'inferenceMs',
  'startedAt',
  'lastSeen',
] as const;

/**
 * Live workers per inference type, for the gateway's cluster view and for workers to
 * know how many replicas share a type's drops. Same shape as the stream registry: a hash
 * with a TTL per worker and an index sorted by expiry.
 */
export class WorkerRegistry {
  private readonly redis: Redis;
  private readonly keys: ReturnType<typeof workerKeys>;
  readonly ttlMs: number;

  constructor(options: WorkerRegistryOptions) {
    this.redis = options.redis;
    this.keys = workerKeys(options.keyPrefix ?? CONFIG_DEFAULTS.redis.keyPrefix);
    this.ttlMs = options.ttlMs ?? CONFIG_DEFAULTS.registry.ttlMs;
  }

  async report(status: WorkerStatus, now = Date.now()): Promise<void> {
    const key = this.keys.worker(status.id);
    const fields: Record<string, string> = { lastSeen: String(now) };
    for (const [name, value] of Object.entries(status))
      if (value !== undefined) fields[name] = String(value);
    const replies = await this.redis
      .multi()
      .hsetnx(key, 'startedAt', String(now))
      .hset(key, fields)
      .pexpire(key, this.ttlMs)
      .zadd(this.keys.index(status.type), now + this.ttlMs, status.id)
      .exec();
    for (const [error] of replies ?? []) if (error) throw error;
  }

  async remove(type: string, id: string): Promise<void> {
    await this.redis.multi().del(this.keys.worker(id)).zrem(this.keys.index(type), id).exec();
  }

  /** Live workers of one type, sorted by id. */
  async list(type: string, now = Date.now()): Promise<WorkerInfo[]> {
    const index = this.keys.index(type);
    await this.redis.zremrangebyscore(index, '-inf', `(${now}`);
    const ids = await this.redis.zrange(index, 0, -1);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.worker(id));
    const workers: WorkerInfo[] = [];
    for (const [error, hash] of (await pipeline.exec()) ?? []) {
      if (error) throw error;
      const h = hash as Record<string, string>;
      if (!h.id) continue;
      const info: Record<string, unknown> = { ...h };
      for (const field of NUMERIC) if (h[field] !== undefined) info[field] = Number(h[field]);
      workers.push(info as unknown as WorkerInfo);
    }
    return workers.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Number of live workers of a type, without reading their hashes. */
  async count(type: string, now = Date.now()): Promise<number> {
    return this.redis.zcount(this.keys.index(type), now, '+inf');
  }
}
