import {
  queuePolicySchema,
  STREAM_ID_PATTERN,
  type InferenceResult,
  type PlatformEvent,
  type StreamInfo,
} from '@ei/core';
import { z } from 'zod';

/**
 * The API's shapes, once: request schemas validate input, response schemas type the
 * handlers, and both become the OpenAPI document (`/api/openapi.json`, built with
 * `z.toJSONSchema`). A response schema is exact (unknown keys are not allowed), so the
 * contract test notices a field that a handler sends but the document does not name.
 */

/** Schemas the OpenAPI document names under `components/schemas` (by `id`). */
export const apiComponents = z.registry<{ id: string }>();

function named<T extends z.ZodType>(id: string, schema: T): T {
  apiComponents.add(schema, { id });
  return schema;
}

const count = z.number().int().min(0);

// ---------------------------------------------------------------- requests

export const streamIdSchema = z
  .string()
  .regex(STREAM_ID_PATTERN, `a stream id matching ${STREAM_ID_PATTERN}`)
  .describe('Stream id: 1 to 128 of A-Z a-z 0-9 _ . : -');

const limitSchema = (what: string) =>
  z.coerce.number().int().min(1).max(1000).default(50).describe(`Most ${what} to return.`);

/** `GET /api/results`. Unknown parameters are refused, so a typo is not silently ignored. */
export const resultsQuerySchema = z.strictObject({
  stream: streamIdSchema.optional().describe('Only results of this stream.'),
  limit: limitSchema('results'),
});

/** `GET /api/events`. */
export const eventsQuerySchema = z.strictObject({ limit: limitSchema('events') });

// ---------------------------------------------------------------- errors

/** Every `code` an error body can carry; the HTTP status says the class. */
export const ERROR_CODES = [
  'request/invalid',
  'request/malformed',
  'request/headers-too-large',
  'request/timeout',
  'auth/unauthorized',
  'stream/not-found',
  'route/not-found',
  'redis/unavailable',
  'request/failed',
  'ws/400',
  'ws/401',
  'ws/403',
  'ws/404',
  'ws/too-many-clients',
  'ws/too-many-clients-per-ip',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const errorBodySchema = named(
  'Error',
  z
    .object({
      error: z.object({
        code: z.enum(ERROR_CODES).describe('Stable, machine-readable reason.'),
        message: z.string().min(1).describe('For people: what was wrong and what to change.'),
      }),
    })
    .describe('Every error of the API and of a refused websocket upgrade has this body.'),
);
export type ErrorBody = z.output<typeof errorBodySchema>;

// ---------------------------------------------------------------- streams

const streamSchema = named(
  'Stream',
  z
    .object({
      id: streamIdSchema,
      type: z.string().describe('Inference type whose queue the stream feeds.'),
      source: z.string().describe('Source URL or path; a password is shown as `***`.'),
      state: z.enum(['connecting', 'live', 'retrying', 'stopped']),
      host: z.string().describe('Host of the producer.'),
      width: count.optional(),
      height: count.optional(),
      fps: z.number().optional(),
      lastError: z.string().optional().describe('Latest capture error, while retrying.'),
      frames: count.optional().describe('Frames produced so far.'),
      reconnects: count.optional(),
      firstSeen: z.number().describe('First announcement, ms since epoch.'),
      lastSeen: z.number().describe('Latest heartbeat, ms since epoch.'),
    })
    .describe(
      'A stream announced by a producer. It disappears by itself when its producer stops heartbeating.',
    ),
);

const queueCountersSchema = named(
  'QueueCounters',
  z
    .object({ pushed: count, dropped: count })
    .describe('Frames of one stream pushed into and dropped by its frame queue (exact).'),
);

export const streamsResponseSchema = named(
  'StreamList',
  z.object({
    streams: z.array(named('StreamListItem', streamSchema.extend({ queue: queueCountersSchema }))),
  }),
);
export const streamResponseSchema = streamSchema;

// ---------------------------------------------------------------- types and stats

const workerSchema = named(
  'Worker',
  z.object({
    id: z.string(),
    host: z.string(),
    state: z.enum(['starting', 'ready', 'stopping']),
    inferFps: z.number().describe('Frames inferred per second.'),
    dropFps: z.number().describe('Frames dropped per second, the worker’s share.'),
    scaleRatio: z.number().describe('(infer + drop) / infer: replicas demand needs, per worker.'),
    inferenceMs: z.number().nullable().describe('Mean model run time; null before the first.'),
  }),
);

const typeViewSchema = named(
  'InferenceType',
  z.object({
    name: z.string(),
    model: z.string(),
    policy: queuePolicySchema,
    cap: z.number().int().min(1),
    workers: z.array(workerSchema),
    inferFps: z.number(),
    dropFps: z.number(),
    scaleRatio: z
      .number()
      .describe('Summed over the type’s workers: the number of workers demand needs.'),
    queueDepth: count,
    pushed: count,
    dropped: count,
  }),
);

export const typesResponseSchema = named('TypeList', z.object({ types: z.array(typeViewSchema) }));

export const statsResponseSchema = named(
  'Stats',
  z
    .object({
      streams: count,
      workers: count,
      inferFps: z.number(),
      dropFps: z.number(),
      queueDepth: count,
      pushed: count,
      dropped: count,
    })
    .describe('Cluster totals over every inference type.'),
);

// ---------------------------------------------------------------- results

/** The metadata of a live result message and of each `/api/results` entry. */
export const inferenceResultSchema = named(
  'InferenceResult',
  z
    .object({
      streamId: streamIdSchema,
      type: z.string(),
      seq: z.number().int().min(0),
      captureTs: z.number().describe('Capture time, ms since epoch.'),
      dequeuedTs: z.number().describe('Time a worker took the frame, ms since epoch.'),
      publishedTs: z.number().describe('Time the result was published, ms since epoch.'),
      width: count,
      height: count,
      detections: z.array(
        named(
          'Detection',
          z.object({
            label: z.string(),
            classId: z.number().int(),
            score: z.number(),
            box: z
              .tuple([z.number(), z.number(), z.number(), z.number()])
              .describe('[x1, y1, x2, y2], normalised to the image (0..1).'),
          }),
        ),
      ),
      timings: z
        .object({
          queueWaitMs: z.number().describe('Capture to dequeue.'),
          preprocessMs: z.number(),
          inferenceMs: z.number(),
          postprocessMs: z.number(),
        })
        .describe('Stage times, ms.'),
      model: z.object({ name: z.string(), version: z.string(), sha256: z.string() }),
      workerId: z.string(),
    })
    .describe('What a worker published for one frame (the JPEG travels only on websockets).'),
);

export const resultsResponseSchema = named(
  'ResultList',
  z
    .object({
      results: z.array(
        named(
          'LoggedResult',
          inferenceResultSchema.extend({
            id: z
              .string()
              .regex(/^\d+-\d+$/)
              .describe('Entry id in the results log (`<ms>-<n>`).'),
          }),
        ),
      ),
    })
    .describe('Newest first.'),
);

// ---------------------------------------------------------------- events

const platformEventSchema = named(
  'PlatformEvent',
  z.object({
    at: z.number().describe('ms since epoch.'),
    kind: z.enum(['scale', 'restart']),
    subject: z.string().describe('Inference type or process the event is about.'),
    message: z.string(),
    from: z.number().int().optional().describe('For `scale`: replicas before.'),
    to: z.number().int().optional().describe('For `scale`: replicas after.'),
  }),
);

export const eventsResponseSchema = named(
  'EventList',
  z.object({ events: z.array(platformEventSchema) }).describe('Newest first.'),
);

// ---------------------------------------------------------------- probes

export const healthResponseSchema = named('Health', z.object({ status: z.literal('ok') }));
export const readyResponseSchema = named(
  'Readiness',
  z.object({
    status: z.enum(['ok', 'unavailable']),
    redis: z.string().describe('State of the gateway’s Redis connection (`ready` when up).'),
  }),
);

// ---------------------------------------------------------------- drift checks

// The core's result, stream and event types are plain interfaces; these lines stop the
// build when one of them and its schema here part ways.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameShapes: [
  Same<z.output<typeof inferenceResultSchema>, InferenceResult>,
  Same<z.output<typeof streamSchema>, StreamInfo>,
  Same<z.output<typeof platformEventSchema>, PlatformEvent>,
] = [true, true, true];
void sameShapes;
