import { z } from 'zod';
import { apiComponents, streamIdSchema } from '../routes/api-schemas.js';

/**
 * The websocket protocol's text messages, in zod: the relay validates what clients send
 * with `clientMessageSchema`, and the OpenAPI document describes all of them from here.
 * Results themselves travel as binary EIR messages (services/core result-codec.ts).
 */

const streamsSchema = z
  .union([z.literal('*'), z.array(streamIdSchema)])
  .describe('`"*"` for every stream, or a list of stream ids.');

export const clientMessageSchema = z
  .object({
    op: z.enum(['subscribe', 'unsubscribe']),
    streams: streamsSchema,
  })
  .describe(
    'Sent by a client of `/ws` as JSON text: adds streams to or removes them from what it watches.',
  );
export type ClientMessage = z.output<typeof clientMessageSchema>;

const watchingSchema = z
  .union([z.literal('*'), z.array(streamIdSchema)])
  .describe('What the client watches now.');
const changeSchema = z
  .union([z.literal('*'), z.array(streamIdSchema)])
  .describe(
    '`"*"`, or the stream ids this message changed (ids already in that state are left out).',
  );

export const serverMessageSchema = z
  .discriminatedUnion('type', [
    z
      .object({ type: z.literal('hello'), streams: watchingSchema })
      .describe('First message on every connection.'),
    z
      .object({ type: z.literal('subscribed'), streams: changeSchema })
      .describe('Answer to a valid subscribe: what it added, not the whole set.'),
    z
      .object({ type: z.literal('unsubscribed'), streams: changeSchema })
      .describe('Answer to a valid unsubscribe: what it removed.'),
    z
      .object({
        type: z.literal('error'),
        code: z.enum(['ws/binary', 'ws/bad-json', 'ws/bad-op']),
        message: z.string(),
      })
      .describe('Answer to a message the relay cannot use; the connection stays open.'),
  ])
  .describe(
    'JSON text messages from the gateway. Like frames, they are skipped while the client’s unsent bytes are over the bound.',
  );
export type ServerMessage = z.output<typeof serverMessageSchema>;

apiComponents.add(clientMessageSchema, { id: 'WsClientMessage' });
apiComponents.add(serverMessageSchema, { id: 'WsServerMessage' });
