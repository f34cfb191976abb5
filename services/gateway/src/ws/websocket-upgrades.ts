import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { STREAM_ID_PATTERN, type Logger } from '@ei/core';
import { presentedToken, tokenMatches } from '../auth/bearer-token.js';
import type { OriginPolicy } from '../auth/origin-policy.js';
import type { GatewayMetrics, WsRefusal } from '../gateway-metrics.js';
import { answerSocket } from '../http/error-responses.js';
import { decodePathSegment, requestTarget } from '../http/request-target.js';
import type { ErrorCode } from '../routes/api-schemas.js';
import type { LiveRelay } from './live-relay.js';

export interface WebsocketUpgradeOptions {
  relay: LiveRelay;
  metrics: GatewayMetrics;
  logger: Logger;
  /** When set, every upgrade needs it; when not, `origins` decides which pages may. */
  apiToken: string | undefined;
  origins: OriginPolicy;
}

const WS_STREAM_PATH = /^\/ws\/streams\/([^/]+)$/;

/**
 * The server's `upgrade` listener: `/ws` and `/ws/streams/:id` go to the relay once the
 * token (or, without a token, the page's Origin) is accepted; anything else is answered
 * with a JSON error and closed. Nothing a client sends can make it throw: the target is
 * split by hand, the id decoded without throwing, and a failure of ours is a 500.
 */
export function websocketUpgrades(
  options: WebsocketUpgradeOptions,
): (request: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { relay, metrics, logger, apiToken, origins } = options;
  const refuse = (
    socket: Duplex,
    reason: WsRefusal,
    status: number,
    code: ErrorCode,
    message: string,
  ): void => {
    metrics.wsRefused.inc({ reason });
    answerSocket(socket, status, code, message);
  };

  const route = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const target = requestTarget(request.url);
    if (!target) return refuse(socket, 'malformed', 400, 'ws/400', 'malformed request target');
    if (apiToken !== undefined) {
      if (!tokenMatches(presentedToken(request, true), apiToken)) {
        return refuse(
          socket,
          'token',
          401,
          'ws/401',
          'this gateway needs a token: ?token=<token> or Authorization: Bearer <token>',
        );
      }
    } else if (!origins.allows(request)) {
      return refuse(
        socket,
        'origin',
        403,
        'ws/403',
        'pages of this origin may not open websockets on this gateway (see --allowed-origins)',
      );
    }
    if (target.path === '/ws') return relay.handleUpgrade(request, socket, head, 'none');
    const match = WS_STREAM_PATH.exec(target.path);
    if (!match) {
      return refuse(socket, 'path', 404, 'ws/404', 'websocket paths: /ws and /ws/streams/:id');
    }
    const id = decodePathSegment(match[1]!);
    if (id === undefined || !STREAM_ID_PATTERN.test(id)) {
      return refuse(
        socket,
        'stream-id',
        400,
        'ws/400',
        'bad stream id: 1 to 128 of A-Z a-z 0-9 _ . : - (percent-encoded in the path)',
      );
    }
    relay.handleUpgrade(request, socket, head, new Set([id]));
  };

  return (request, socket, head) => {
    // node takes its own error listener off a socket it hands to `upgrade`: without this
    // one, a client that resets the connection now would be an uncaught 'error'.
    socket.on('error', () => socket.destroy());
    try {
      route(request, socket, head);
    } catch (error) {
      logger.error({ err: error }, 'websocket upgrade failed');
      answerSocket(socket, 500, 'request/failed', 'the gateway failed; its log has the details');
    }
  };
}
