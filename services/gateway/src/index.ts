/** @ei/gateway: REST API, websocket relay of live results, host of the built dashboard. */
export { startGateway, type GatewayOptions, type RunningGateway } from './gateway-server.js';
export { GATEWAY_DEFAULTS } from './gateway-defaults.js';
export { LiveRelay, type LiveRelayOptions } from './ws/live-relay.js';
export { HttpError } from './http-error.js';
export { tokenMatches } from './auth/bearer-token.js';
