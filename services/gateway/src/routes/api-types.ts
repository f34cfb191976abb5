/**
 * The shapes of the API's answers as TypeScript types, inferred from the schemas that
 * validate them and make the OpenAPI document. Types only: the dashboard imports them with
 * `import type`, so none of the gateway's modules (zod, express) reaches its bundle.
 */
import type { z } from 'zod';
import type {
  eventsResponseSchema,
  inferenceResultSchema,
  resultsResponseSchema,
  statsResponseSchema,
  streamsResponseSchema,
  typesResponseSchema,
} from './api-schemas.js';

/** A stream as `GET /api/streams` lists it: the registry entry and its queue counters. */
export type StreamView = z.output<typeof streamsResponseSchema>['streams'][number];
/** An inference type as `GET /api/types` lists it, with its workers. */
export type TypeView = z.output<typeof typesResponseSchema>['types'][number];
/** A worker as `GET /api/types` lists it under its type. */
export type WorkerView = TypeView['workers'][number];
/** `GET /api/stats`. */
export type StatsView = z.output<typeof statsResponseSchema>;
/** An event of `GET /api/events`. */
export type EventView = z.output<typeof eventsResponseSchema>['events'][number];
/** An entry of `GET /api/results`. */
export type LoggedResultView = z.output<typeof resultsResponseSchema>['results'][number];
/** The metadata of a live result. */
export type InferenceResultView = z.output<typeof inferenceResultSchema>;
export type { ErrorBody } from './api-schemas.js';
