import { RESULT_VERSION } from '@ei/core';
import { z } from 'zod';
import {
  apiComponents,
  errorBodySchema,
  eventsQuerySchema,
  eventsResponseSchema,
  healthResponseSchema,
  readyResponseSchema,
  resultsQuerySchema,
  resultsResponseSchema,
  statsResponseSchema,
  streamIdSchema,
  streamResponseSchema,
  streamsResponseSchema,
  typesResponseSchema,
} from '../routes/api-schemas.js';
import { GATEWAY_DEFAULTS } from '../gateway-defaults.js';
import { WS_FIXED_LIMITS } from '../ws/live-relay.js';
import { clientMessageSchema, serverMessageSchema } from '../ws/ws-messages.js';

/**
 * The gateway's OpenAPI 3.1 document, served at `GET /api/openapi.json`. Every JSON body is
 * generated from the zod schemas the handlers are typed with (routes/api-schemas.ts,
 * ws/ws-messages.ts), so the document cannot describe one shape while the code sends
 * another without the contract test failing.
 */

type JsonSchema = Record<string, unknown>;
type JsonObject = Record<string, unknown>;

/** The EIR binary message, as data: the document and the contract test both read it. */
export const EIR_LAYOUT = [
  { offset: 0, size: 3, field: 'magic', value: 'EIR (0x45 0x49 0x52)' },
  { offset: 3, size: 1, field: 'version', value: String(RESULT_VERSION) },
  { offset: 4, size: 4, field: 'metadataLength', value: 'M, unsigned 32-bit big-endian' },
  { offset: 8, size: 'M', field: 'metadata', value: 'UTF-8 JSON of InferenceResult' },
  { offset: '8+M', size: 'rest', field: 'jpeg', value: 'the frame’s JPEG, as captured' },
] as const;

const ref = (id: string): JsonSchema => ({ $ref: `#/components/schemas/${id}` });

/** The registry's id of a schema; every response body is a named component. */
function idOf(schema: z.ZodType): string {
  const id = apiComponents.get(schema)?.id;
  if (!id) throw new Error('a response schema must be registered in apiComponents');
  return id;
}

function componentSchemas(): Record<string, JsonSchema> {
  const { schemas } = z.toJSONSchema(apiComponents, {
    target: 'draft-2020-12',
    io: 'output',
    uri: (id) => `#/components/schemas/${id}`,
  });
  // Each schema comes as a standalone document; inside components the OpenAPI 3.1
  // dialect (2020-12) is implied, and the `$id` would re-base its relative refs.
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
      return [id, rest];
    }),
  );
}

/** Query parameters from a zod object: one parameter per key, as the handler parses it. */
function queryParameters(schema: z.ZodObject): JsonObject[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const {
      $schema: _dialect,
      description,
      ...json
    } = z.toJSONSchema(field as z.ZodType, {
      io: 'output',
    }) as JsonSchema;
    return {
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      description,
      schema: json,
    };
  });
}

const json = (schema: JsonSchema) => ({ 'application/json': { schema } });
const error = (description: string) => ({
  description,
  content: json(ref(idOf(errorBodySchema))),
});
const body = (description: string, schema: z.ZodType) => ({
  description,
  content: json(ref(idOf(schema))),
});

/** The 4xx/5xx answers every `/api` route can give. */
const apiErrors = {
  '401': error(
    'No or wrong token (only when the gateway runs with `--token`); code `auth/unauthorized`.',
  ),
  '503': error('Redis is not reachable; the gateway retries by itself. Code `redis/unavailable`.'),
  default: error('Unexpected failure; code `request/failed`.'),
};
const invalid = error(
  'A parameter is invalid or unknown; code `request/invalid`, the message names it.',
);

const API_DESCRIPTION = `
Read-only REST API and live websocket relay of the elastic video inference platform.

**Authentication.** A gateway started with \`--token\` (env \`EI_API_TOKEN\`) needs
\`Authorization: Bearer <token>\` (the scheme in any case) on every \`/api\` route — this
document included — and on every websocket; browsers, which cannot set headers on a
websocket, may pass \`?token=<token>\` on websocket URLs instead. A gateway without a token
runs only when told so (\`--insecure\`, env \`EI_GATEWAY_INSECURE=1\`); it then checks
nothing on \`/api\`, and accepts a websocket from a browser page only when the page's
\`Origin\` is the gateway's own or one of \`--allowed-origins\`. \`/healthz\` and
\`/readyz\` are always open (Kubernetes probes); \`/metrics\` is served on the ops port
(\`--metrics-port\`, ${GATEWAY_DEFAULTS.metricsPort} by default), not here.

**Errors.** Every error is JSON: \`{"error": {"code", "message"}}\` (schema \`Error\`). Bad
input is a 4xx, a Redis outage a 503, only a failure of the gateway itself a 500, and no
message carries a server path or a stack trace. A request the HTTP parser refuses gets
400 \`request/malformed\`, 431 \`request/headers-too-large\` (over 16 KiB) or 408
\`request/timeout\`, and the connection is closed.

**Live results (websockets).** \`GET /ws\` (multiplexed; watches nothing until told) and
\`GET /ws/streams/{id}\` (one stream) upgrade to a websocket. The gateway first sends
\`{"type":"hello","streams":…}\`. A client of \`/ws\` sends JSON text
\`{"op":"subscribe"|"unsubscribe","streams":["id",…]|"*"}\` and gets
\`{"type":"subscribed"|"unsubscribed","streams":…}\` back with what the message changed,
or \`{"type":"error","code","message"}\` (schemas \`WsClientMessage\`, \`WsServerMessage\`).
Each inferred frame of a watched stream then arrives as one **binary** message, the bytes
the worker published, never re-encoded:

| offset | size | field | |
| --- | --- | --- | --- |
${EIR_LAYOUT.map((f) => `| ${f.offset} | ${f.size} | ${f.field} | ${f.value} |`).join('\n')}

A client whose unsent bytes pass the gateway's bound (\`--max-buffered-bytes\`, ${GATEWAY_DEFAULTS.maxWsBufferedBytes / 2 ** 20} MiB by
default) skips frames and answers until it catches up; frames of one stream always arrive
in order. Ping every 30 s; a client that misses a pong is dropped. A client that watches
more than \`--max-subscriptions\` stream ids (${GATEWAY_DEFAULTS.maxWsSubscriptions} by default; \`"*"\` counts as one) or
sends control messages faster than ${WS_FIXED_LIMITS.controlPerSecond} a second (${WS_FIXED_LIMITS.controlBurst} at once) is closed with code 1008. A
message over ${WS_FIXED_LIMITS.maxMessageBytes / 1024} KiB is closed with 1009, bad UTF-8 with 1007. Upgrades are refused with a
JSON \`Error\` body: 400 bad stream id or a target that is not a path, 401 no token, 403 Origin not
allowed (no token), 404 unknown path, 429 too many clients from one IP address
(\`--max-clients-per-ip\`), 503 too many clients (\`--max-clients\`). The same is in
\`x-websocket\` of the two websocket operations, as data.
`.trim();

function websocketOperation(single: boolean): JsonObject {
  return {
    tags: ['live'],
    operationId: single ? 'watchStream' : 'watchStreams',
    summary: single
      ? 'Websocket of one stream’s live results'
      : 'Multiplexed websocket of live results',
    description: single
      ? 'Watches the stream `{id}` from the start; client messages are not needed.'
      : 'Watches nothing until the client subscribes (see `x-websocket.clientMessages`).',
    security: [{ bearerAuth: [] }, { tokenQuery: [] }],
    parameters: [
      ...(single
        ? [
            {
              name: 'id',
              in: 'path',
              required: true,
              schema: pathSchema(streamIdSchema),
            },
          ]
        : []),
      {
        name: 'token',
        in: 'query',
        required: false,
        description: 'The API token, for clients that cannot set the Authorization header.',
        schema: { type: 'string' },
      },
    ],
    responses: {
      '101': { description: 'Switching Protocols: the websocket is open.' },
      ...(single
        ? { '400': error('Bad stream id, or its percent-encoding malformed; code `ws/400`.') }
        : {}),
      '401': error('No or wrong token; code `ws/401`.'),
      '403': error(
        'Gateway without a token: the page’s `Origin` is not allowed (`--allowed-origins`); code `ws/403`.',
      ),
      '429': error(
        'Too many websocket clients from this IP address (`--max-clients-per-ip`); code `ws/too-many-clients-per-ip`.',
      ),
      '503': error('Too many websocket clients (`--max-clients`); code `ws/too-many-clients`.'),
    },
    'x-websocket': {
      perMessageDeflate: false,
      maxMessageBytes: WS_FIXED_LIMITS.maxMessageBytes,
      closeCodes: {
        '1007': 'A text message that is not UTF-8.',
        '1008': `A limit: more stream ids than \`--max-subscriptions\`, or control messages faster than ${WS_FIXED_LIMITS.controlPerSecond} a second (${WS_FIXED_LIMITS.controlBurst} at once).`,
        '1009': `A message over ${WS_FIXED_LIMITS.maxMessageBytes / 1024} KiB.`,
      },
      clientMessages: single ? null : ref(idOf(clientMessageSchema)),
      serverTextMessages: ref(idOf(serverMessageSchema)),
      serverBinaryMessage: {
        name: 'EIR',
        description:
          'One inferred frame: metadata and the original JPEG. Decode with `decodeResultMessage` of `@ei/core/browser`.',
        layout: EIR_LAYOUT,
        metadata: ref('InferenceResult'),
      },
    },
  };
}

function pathSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema) as JsonSchema;
  return json;
}

function buildDocument(): JsonObject {
  return {
    openapi: '3.1.1',
    info: {
      title: 'Elastic inference gateway',
      version: '1.0.0',
      description: API_DESCRIPTION,
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The gateway that served this document.' }],
    tags: [
      { name: 'streams', description: 'Streams announced by producers.' },
      { name: 'cluster', description: 'Inference types, workers, queues.' },
      { name: 'results', description: 'Compact results log (no images).' },
      { name: 'events', description: 'Scaling steps and restarts.' },
      { name: 'live', description: 'Websocket relay of live results with images.' },
      { name: 'operations', description: 'Probes, metrics, this document, the dashboard.' },
    ],
    security: [{ bearerAuth: [] }],
    paths: {
      '/api/streams': {
        get: {
          tags: ['streams'],
          operationId: 'listStreams',
          summary: 'Live streams with their queue counters',
          description: 'Sorted by id. `queue` counts the stream’s frames in its type’s queue.',
          responses: { '200': body('The streams.', streamsResponseSchema), ...apiErrors },
        },
      },
      '/api/streams/{id}': {
        get: {
          tags: ['streams'],
          operationId: 'getStream',
          summary: 'One stream',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: pathSchema(streamIdSchema) },
          ],
          responses: {
            '200': body('The stream.', streamResponseSchema),
            '400': error('The id is not a valid stream id; code `request/invalid`.'),
            '404': error('No stream of that id is announced; code `stream/not-found`.'),
            ...apiErrors,
          },
        },
      },
      '/api/types': {
        get: {
          tags: ['cluster'],
          operationId: 'listTypes',
          summary: 'Inference types with their workers and queues',
          description:
            'From the workers’ own heartbeats and the queues’ exact counters. A type’s `scaleRatio` is the sum over its workers: the number of workers its demand needs.',
          responses: { '200': body('The types.', typesResponseSchema), ...apiErrors },
        },
      },
      '/api/stats': {
        get: {
          tags: ['cluster'],
          operationId: 'getStats',
          summary: 'Cluster totals',
          responses: { '200': body('The totals.', statsResponseSchema), ...apiErrors },
        },
      },
      '/api/results': {
        get: {
          tags: ['results'],
          operationId: 'listResults',
          summary: 'Recent results, newest first',
          description:
            'From the capped results log (about `results.streamMaxLen` entries): metadata only; images travel on the websockets.',
          parameters: queryParameters(resultsQuerySchema),
          responses: {
            '200': body('The results.', resultsResponseSchema),
            '400': invalid,
            ...apiErrors,
          },
        },
      },
      '/api/events': {
        get: {
          tags: ['events'],
          operationId: 'listEvents',
          summary: 'Recent platform events, newest first',
          parameters: queryParameters(eventsQuerySchema),
          responses: {
            '200': body('The events.', eventsResponseSchema),
            '400': invalid,
            ...apiErrors,
          },
        },
      },
      '/api/openapi.json': {
        get: {
          tags: ['operations'],
          operationId: 'getOpenApi',
          summary: 'This document',
          description: 'Behind the same token as the rest of `/api`.',
          responses: {
            '200': {
              description: 'OpenAPI 3.1 document.',
              content: json({
                type: 'object',
                properties: {
                  openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
                  info: { type: 'object' },
                  paths: { type: 'object' },
                  components: { type: 'object' },
                },
                required: ['openapi', 'info', 'paths', 'components'],
              }),
            },
            '401': apiErrors['401'],
          },
        },
      },
      '/healthz': {
        get: {
          tags: ['operations'],
          operationId: 'healthz',
          summary: 'Liveness: the process answers',
          description:
            'Answers whether Redis is there or not, so a liveness probe does not restart the gateway in a loop during a Redis outage. Also on the ops port.',
          security: [],
          responses: { '200': body('Alive.', healthResponseSchema) },
        },
      },
      '/readyz': {
        get: {
          tags: ['operations'],
          operationId: 'readyz',
          summary: 'Readiness: Redis is connected and the relay subscribed',
          description: 'Also on the ops port, there with `{"status"}` only.',
          security: [],
          responses: {
            '200': body('Ready.', readyResponseSchema),
            '503': body('Redis is not connected (yet).', readyResponseSchema),
          },
        },
      },
      '/': {
        get: {
          tags: ['operations'],
          operationId: 'dashboard',
          summary: 'The dashboard',
          description:
            'The built single-page dashboard. Any other path outside `/api`, `/ws`, `/metrics`, `/healthz` and `/readyz` answers the same page, so client-side routes survive a reload.',
          security: [],
          responses: {
            '200': {
              description: 'HTML.',
              content: { 'text/html': { schema: { type: 'string' } } },
            },
          },
        },
      },
      '/ws': { get: websocketOperation(false) },
      '/ws/streams/{id}': { get: websocketOperation(true) },
    },
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'The token the gateway was started with (`--token`, `EI_API_TOKEN`).',
        },
        tokenQuery: {
          type: 'apiKey',
          in: 'query',
          name: 'token',
          description: 'Websockets only: the same token as a query parameter.',
        },
      },
    },
  };
}

let cached: string | undefined;

/** The document as JSON text; built once per process, the same bytes for every request. */
export function openApiJson(): string {
  cached ??= JSON.stringify(buildDocument());
  return cached;
}

/** The document as an object (a fresh copy). */
export function openApiDocument(): JsonObject {
  return JSON.parse(openApiJson()) as JsonObject;
}
