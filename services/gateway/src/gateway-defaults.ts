import { DEFAULT_PORTS } from '@ei/core';

/**
 * Every default of the gateway, stated once: `startGateway` falls back to these and
 * `ei gateway` shows them in `--help`. docs/api.md explains each limit.
 */
export const GATEWAY_DEFAULTS = {
  /** HTTP port of the API, the websockets and the dashboard (NodePort 31002 on a cluster). */
  port: DEFAULT_PORTS.gateway,
  /** Ops port of /metrics, /healthz and /readyz (workers use 8000, producers 8001). */
  metricsPort: DEFAULT_PORTS.gatewayMetrics,
  /** Websocket clients at once, all addresses together. */
  maxWsClients: 500,
  /** Websocket clients at once from one IP address. */
  maxWsClientsPerIp: 50,
  /** Unsent bytes per websocket client before frames (and replies) to it are skipped. */
  maxWsBufferedBytes: 2 * 1024 * 1024,
  /** Stream ids one websocket client may watch (`"*"` counts as one). */
  maxWsSubscriptions: 256,
} as const;
