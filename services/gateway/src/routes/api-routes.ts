import {
  EventLog,
  FrameQueue,
  ResultBus,
  StreamRegistry,
  WorkerRegistry,
  type EiConfig,
  type Redis,
} from '@ei/core';
import { Router, type Request, type Response } from 'express';
import type { z } from 'zod';
import { HttpError } from '../http-error.js';
import { openApiJson } from '../openapi/openapi-document.js';
import {
  eventsQuerySchema,
  resultsQuerySchema,
  streamIdSchema,
  type eventsResponseSchema,
  type resultsResponseSchema,
  type statsResponseSchema,
  type streamResponseSchema,
  type streamsResponseSchema,
  type typesResponseSchema,
} from './api-schemas.js';

export interface ApiDependencies {
  config: EiConfig;
  redis: Redis;
}

/** A response whose `json()` takes only the body its schema (and the OpenAPI document) says. */
type Typed<S extends z.ZodType> = Response<z.output<S>>;

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
  router.get('/streams', async (_request, response: Typed<typeof streamsResponseSchema>) => {
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
  router.get(
    '/streams/:id',
    async (request: Request<{ id: string }>, response: Typed<typeof streamResponseSchema>) => {
      const id = parse(streamIdSchema, request.params.id, 'stream id');
      const stream = await streams.get(id);
      if (!stream) throw new HttpError(404, 'stream/not-found', `no stream "${id}" is announced`);
      response.json(stream);
    },
  );
  router.get('/types', async (_request, response: Typed<typeof typesResponseSchema>) => {
    const types = await typeViews();
    response.json({ types: types.map(({ perStream: _perStream, ...t }) => t) });
  });
  router.get('/stats', async (_request, response: Typed<typeof statsResponseSchema>) => {
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
  router.get('/results', async (request, response: Typed<typeof resultsResponseSchema>) => {
    const query = parse(resultsQuerySchema, request.query, 'query');
    const results = await bus.recent({ stream: query.stream, limit: query.limit });
    response.json({ results: results.map((r) => ({ id: r.id, ...r.result })) });
  });
  router.get('/events', async (request, response: Typed<typeof eventsResponseSchema>) => {
    const query = parse(eventsQuerySchema, request.query, 'query');
    response.json({ events: await events.recent(query.limit) });
  });
  // Built once; the same bytes for every request. Behind the same token as the rest of /api.
  router.get('/openapi.json', (_request, response) => {
    response.type('application/json').send(openApiJson());
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
