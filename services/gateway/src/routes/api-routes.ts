import {
  EventLog,
  FrameQueue,
  ResultBus,
  STREAM_ID_PATTERN,
  StreamRegistry,
  WorkerRegistry,
  type EiConfig,
  type Redis,
} from '@ei/core';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { HttpError } from '../http-error.js';

export interface ApiDependencies {
  config: EiConfig;
  redis: Redis;
}

const streamIdSchema = z
  .string()
  .regex(STREAM_ID_PATTERN, `a stream id matching ${STREAM_ID_PATTERN}`);
const resultsQuerySchema = z.strictObject({
  stream: streamIdSchema.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});
const eventsQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
});

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.length ? `${issue.path.join('.')}: ` : '';
    throw new HttpError(400, 'request/invalid', `${what}: ${path}${issue.message}`);
  }
  return result.data;
}

/** The REST API under /api. Read-only views of Redis; every error is JSON with a 4xx. */
export function apiRoutes({ config, redis }: ApiDependencies): Router {
  const prefix = config.redis.keyPrefix;
  const streams = new StreamRegistry({ redis, keyPrefix: prefix, ttlMs: config.registry.ttlMs });
  const workers = new WorkerRegistry({ redis, keyPrefix: prefix });
  const bus = new ResultBus({ redis, keyPrefix: prefix, logMaxLen: config.results.streamMaxLen });
  const events = new EventLog(redis, prefix);
  const queues = new Map(
    Object.entries(config.types).map(([type, t]) => [
      type,
      new FrameQueue({ redis, type, policy: t.policy, cap: t.cap, keyPrefix: prefix }),
    ]),
  );

  const typeViews = async () =>
    Promise.all(
      [...queues].map(async ([name, queue]) => {
        const [stats, live] = await Promise.all([queue.stats(), workers.list(name)]);
        const t = config.types[name]!;
        const sum = (pick: (w: (typeof live)[number]) => number) =>
          round(live.reduce((acc, w) => acc + pick(w), 0));
        return {
          name,
          model: t.model,
          policy: t.policy,
          cap: t.cap,
          workers: live.map((w) => ({
            id: w.id,
            host: w.host,
            state: w.state,
            inferFps: w.inferFps,
            dropFps: w.dropFps,
            scaleRatio: w.scaleRatio,
            inferenceMs: w.inferenceMs ?? null,
          })),
          inferFps: sum((w) => w.inferFps),
          dropFps: sum((w) => w.dropFps),
          /** Summed over the type's workers: the number of workers demand needs. */
          scaleRatio: sum((w) => w.scaleRatio),
          queueDepth:
            stats.waiting.latest +
            stats.waiting.fifo +
            stats.waiting.lossless +
            stats.waiting.legacy,
          pushed: stats.pushed,
          dropped: stats.dropped,
          perStream: stats.perStream,
        };
      }),
    );

  const router = Router();
  router.get('/streams', async (_request, response) => {
    const [list, types] = await Promise.all([streams.list(), typeViews()]);
    const counters = new Map(
      types.flatMap((t) => Object.entries(t.perStream).map(([id, c]) => [`${t.name}/${id}`, c])),
    );
    response.json({
      streams: list.map((s) => ({
        ...s,
        queue: counters.get(`${s.type}/${s.id}`) ?? { pushed: 0, dropped: 0 },
      })),
    });
  });
  router.get('/streams/:id', async (request: Request<{ id: string }>, response) => {
    const id = parse(streamIdSchema, request.params.id, 'stream id');
    const stream = await streams.get(id);
    if (!stream) throw new HttpError(404, 'stream/not-found', `no stream "${id}" is announced`);
    response.json(stream);
  });
  router.get('/types', async (_request, response) => {
    const types = await typeViews();
    response.json({ types: types.map(({ perStream: _perStream, ...t }) => t) });
  });
  router.get('/stats', async (_request, response) => {
    const [list, types] = await Promise.all([streams.list(), typeViews()]);
    response.json({
      streams: list.length,
      workers: types.reduce((n, t) => n + t.workers.length, 0),
      inferFps: round(types.reduce((n, t) => n + t.inferFps, 0)),
      dropFps: round(types.reduce((n, t) => n + t.dropFps, 0)),
      queueDepth: types.reduce((n, t) => n + t.queueDepth, 0),
      pushed: types.reduce((n, t) => n + t.pushed, 0),
      dropped: types.reduce((n, t) => n + t.dropped, 0),
    });
  });
  router.get('/results', async (request, response) => {
    const query = parse(resultsQuerySchema, request.query, 'query');
    const results = await bus.recent({ stream: query.stream, limit: query.limit });
    response.json({ results: results.map((r) => ({ id: r.id, ...r.result })) });
  });
  router.get('/events', async (request, response) => {
    const query = parse(eventsQuerySchema, request.query, 'query');
    response.json({ events: await events.recent(query.limit) });
  });
  router.use((request) => {
    throw new HttpError(
      404,
      'route/not-found',
      `no API route ${request.method} /api${request.path}`,
    );
  });
  return router;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
