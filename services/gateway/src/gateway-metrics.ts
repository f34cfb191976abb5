import { Counter, Gauge, type Registry } from 'prom-client';

/** Why the gateway refused a websocket upgrade (`ei_gateway_ws_refused_total{reason}`). */
export type WsRefusal =
  'malformed' | 'path' | 'stream-id' | 'token' | 'origin' | 'clients' | 'clients-per-ip';

/** Why the gateway closed a websocket (`ei_gateway_ws_closed_total{reason}`). */
export type WsCloseReason = 'subscriptions' | 'message-rate' | 'protocol' | 'no-pong';

/** The gateway's own series, on the process registry of `createMetrics`. */
export interface GatewayMetrics {
  wsClients: Gauge;
  framesSent: Counter;
  framesSkipped: Counter;
  repliesSkipped: Counter;
  wsRefused: Counter<'reason'>;
  wsClosed: Counter<'reason'>;
  httpRequests: Counter<'status'>;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  const registers = [registry];
  return {
    wsClients: new Gauge({
      name: 'ei_gateway_ws_clients',
      help: 'Websocket clients connected.',
      registers,
    }),
    framesSent: new Counter({
      name: 'ei_gateway_ws_frames_sent_total',
      help: 'Result frames sent to websocket clients.',
      registers,
    }),
    framesSkipped: new Counter({
      name: 'ei_gateway_ws_frames_skipped_total',
      help: 'Result frames not sent to a client whose send buffer was over the bound (slow client).',
      registers,
    }),
    repliesSkipped: new Counter({
      name: 'ei_gateway_ws_replies_skipped_total',
      help: 'Answers to control messages not sent to a client whose send buffer was over the bound.',
      registers,
    }),
    wsRefused: new Counter({
      name: 'ei_gateway_ws_refused_total',
      help: 'Websocket upgrades refused, by reason (malformed, path, stream-id, token, origin, clients, clients-per-ip).',
      labelNames: ['reason'],
      registers,
    }),
    wsClosed: new Counter({
      name: 'ei_gateway_ws_closed_total',
      help: 'Websockets the gateway closed, by reason (subscriptions and message-rate: code 1008; protocol; no-pong).',
      labelNames: ['reason'],
      registers,
    }),
    httpRequests: new Counter({
      name: 'ei_gateway_http_requests_total',
      help: 'HTTP requests by status.',
      labelNames: ['status'],
      registers,
    }),
  };
}
