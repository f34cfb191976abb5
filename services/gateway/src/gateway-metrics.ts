import { Counter, Gauge, type Registry } from 'prom-client';

/** The gateway's own series, on the process registry of `createMetrics`. */
export interface GatewayMetrics {
  wsClients: Gauge;
  framesSent: Counter;
  framesSkipped: Counter;
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
    httpRequests: new Counter({
      name: 'ei_gateway_http_requests_total',
      help: 'HTTP requests by status.',
      labelNames: ['status'],
      registers,
    }),
  };
}
