import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  createMetrics,
  createRedis,
  EiError,
  ResultBus,
  startOpsServer,
  type EiConfig,
} from '@ei/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { presentedToken, tokenMatches } from './auth/bearer-token.js';
import { OriginPolicy } from './auth/origin-policy.js';
import { GATEWAY_DEFAULTS } from './gateway-defaults.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { HttpError } from './http-error.js';
import { answerSocket, jsonErrorHandler } from './http/error-responses.js';
import { installFaultPolicy } from './process/fault-policy.js';
import { apiRoutes } from './routes/api-routes.js';
import type { ErrorCode } from './routes/api-schemas.js';
import { dashboardHost } from './static/dashboard-host.js';
import { LiveRelay } from './ws/live-relay.js';
import { websocketUpgrades } from './ws/websocket-upgrades.js';

/** Unset limits and ports take GATEWAY_DEFAULTS (gateway-defaults.ts). */
export interface GatewayOptions {
  config: EiConfig;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** Every API call and websocket needs `Authorization: Bearer <token>` (or `?token=` for websockets). */
  apiToken?: string;
  /**
   * Serve without a token, on purpose. Without a token and without this, the gateway
   * refuses to start: an open gateway on a network is every camera's results for anyone.
   */
  insecure?: boolean;
  /**
   * Without a token: the origins (`http(s)://host[:port]`, `*` for any) whose pages may
   * open websockets. Default: the gateway's own origin only (the dashboard it serves).
   */
  allowedOrigins?: readonly string[];
  /** Port of /metrics, /healthz and /readyz for Prometheus and probes; 0 picks a free one. Default: none. */
  metricsPort?: number;
  /** Websocket clients at once. */
  maxWsClients?: number;
  /** Websocket clients at once from one IP address. */
  maxWsClientsPerIp?: number;
  /** Unsent bytes per websocket client before frames and answers to it are skipped. */
  maxWsBufferedBytes?: number;
  /** Stream ids one websocket client may watch. */
  maxWsSubscriptions?: number;
  /** Built dashboard to serve. Default dashboard/dist of the repository. */
  dashboardDir?: string;
  /**
   * Install the process-wide last-resort handlers of uncaught exceptions and unhandled
   * rejections (process/fault-policy.ts). The `ei gateway` process does; a program that
   * embeds the gateway keeps its own.
   */
  handleProcessFaults?: boolean;
}

export interface RunningGateway {
  server: Server;
  port: number;
  /** Port of /metrics, /healthz and /readyz, when `metricsPort` was given. */
  metricsPort: number | undefined;
  relay: LiveRelay;
  close(): Promise<void>;
}

const DEFAULT_DASHBOARD = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));

/** Node's answers to requests it could not parse, as the gateway's JSON errors. */
const CLIENT_ERRORS: Record<string, [status: number, code: ErrorCode, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'request/headers-too-large', 'request headers over 16 KiB'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'request/timeout', 'request not received in time'],
};

/**
 * The gateway: REST API, websocket relay of live results and the built dashboard on one
 * port (/healthz and /readyz there too, for probes), and /metrics with the probes again
 * on the ops port. It listens before Redis answers: /healthz says it is alive, /readyz
 * that Redis is not there yet.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const apiToken = options.apiToken;
  if (apiToken === '') {
    throw new EiError('gateway/config', 'the API token is empty: give a token or --insecure');
  }
  if (apiToken === undefined && options.insecure !== true) {
    throw new EiError(
      'gateway/no-token',
      'the gateway has no API token: give one with --token (env EI_API_TOKEN), or serve without authentication on purpose with --insecure (env EI_GATEWAY_INSECURE=1)',
    );
  }
  if (apiToken !== undefined && options.insecure === true) {
    throw new EiError(
      'gateway/config',
      'the gateway got both a token and --insecure (EI_GATEWAY_INSECURE): give one of them',
    );
  }
  const origins = new OriginPolicy(options.allowedOrigins);
  const logger = createLogger({
    name: 'gateway',
    level: config.log.level,
    format: config.log.format,
  });
  const metrics = createMetrics({ service: 'gateway' });
  const gatewayMetrics = createGatewayMetrics(metrics.registry);
  const removeFaultPolicy = options.handleProcessFaults
    ? installFaultPolicy({ logger, errors: metrics.errors })
    : undefined;
  const redis = createRedis(config.redis, { connectionName: 'ei-gateway' });
  redis.on('error', (error: Error) =>
    logger.debug({ err: error.message }, 'redis connection error'),
  );
  const relay = new LiveRelay({
    bus: new ResultBus({ redis, keyPrefix: config.redis.keyPrefix }),
    metrics: gatewayMetrics,
    logger,
    maxClients: options.maxWsClients ?? GATEWAY_DEFAULTS.maxWsClients,
    maxClientsPerIp: options.maxWsClientsPerIp ?? GATEWAY_DEFAULTS.maxWsClientsPerIp,
    maxBufferedBytes: options.maxWsBufferedBytes ?? GATEWAY_DEFAULTS.maxWsBufferedBytes,
    maxSubscriptions: options.maxWsSubscriptions ?? GATEWAY_DEFAULTS.maxWsSubscriptions,
  });
  relay.start();
  const ready = (): boolean => redis.status === 'ready' && relay.subscribed;

  const app = express();
  app.disable('x-powered-by');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          'img-src': ["'self'", 'blob:', 'data:'],
          'connect-src': ["'self'", 'ws:', 'wss:'],
          'style-src': ["'self'", "'unsafe-inline'"],
          // The dashboard's frame decoding runs in a module worker.
          'worker-src': ["'self'"],
          // helmet's default would make browsers fetch the assets over https, which a
          // gateway on plain http (a NodePort, a LAN address) does not serve: a blank page.
          'upgrade-insecure-requests': null,
        },
      },
    }),
  );
  app.use((request, response, next) => {
    response.on('finish', () =>
      gatewayMetrics.httpRequests.inc({ status: String(response.statusCode) }),
    );
    next();
  });
  app.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  app.get('/readyz', (_request, response) => {
    const ok = ready();
    response
      .status(ok ? 200 : 503)
      .json({ status: ok ? 'ok' : 'unavailable', redis: redis.status });
  });
  app.get('/metrics', () => {
    throw new HttpError(
      404,
      'route/not-found',
      'metrics are served on the ops port (--metrics-port), not here',
    );
  });
  app.use('/api', (request: Request, _response: Response, next: NextFunction) => {
    if (apiToken !== undefined && !tokenMatches(presentedToken(request, false), apiToken)) {
      throw new HttpError(
        401,
        'auth/unauthorized',
        'this gateway needs "Authorization: Bearer <token>"',
      );
    }
    next();
  });
  app.use('/api', apiRoutes({ config, redis }));
  app.use(dashboardHost(options.dashboardDir ?? process.env.EI_DASHBOARD_DIR ?? DEFAULT_DASHBOARD));
  app.use((_request: Request, _response: Response, next: NextFunction) =>
    next(new HttpError(404, 'route/not-found', 'not found')),
  );
  const answerError = jsonErrorHandler({ logger, redisReady: () => redis.status === 'ready' });
  app.use(answerError);

  // Express's own final handler answers in HTML a request its router cannot place (a
  // target such as `//#@?%20=` has no path it can match): ours answers in JSON.
  const handle = app as unknown as (
    request: IncomingMessage,
    response: ServerResponse,
    finalHandler: (error?: unknown) => void,
  ) => void;
  const server = createServer((request, response) =>
    handle(request, response, (error?: unknown) =>
      answerError(
        error ?? new HttpError(404, 'route/not-found', 'not found'),
        // Express has made them its own Request and Response by the time it gives up.
        request as unknown as Request,
        response as unknown as Response,
        () => undefined,
      ),
    ),
  );
  server.on(
    'upgrade',
    websocketUpgrades({ relay, metrics: gatewayMetrics, logger, apiToken, origins }),
  );
  // A proxy's CONNECT: node would close the connection without a word.
  server.on('connect', (_request, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    gatewayMetrics.httpRequests.inc({ status: '405' });
    answerSocket(socket, 405, 'request/invalid', 'CONNECT: this is not a proxy');
  });
  // A request node's parser refuses (bad request line, bad header, headers over 16 KiB):
  // node's own answer has no body; this one is the API's JSON error.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, code, message] = CLIENT_ERRORS[error.code ?? ''] ?? [
      400,
      'request/malformed',
      'malformed HTTP request',
    ];
    gatewayMetrics.httpRequests.inc({ status: String(status) });
    // The answer to a HEAD has no body; the request was not parsed, so its first bytes say.
    const head = (error as { rawPacket?: Buffer }).rawPacket?.toString('latin1', 0, 5) === 'HEAD ';
    answerSocket(socket, status, code, message, { withBody: !head });
  });
  let ops: Server | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? GATEWAY_DEFAULTS.port, options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (options.metricsPort !== undefined) {
      ops = await startOpsServer({
        port: options.metricsPort,
        host: options.host,
        registry: metrics.registry,
        isReady: ready,
      });
    }
  } catch (error) {
    // A port in use: leave nothing behind that would keep the process alive.
    server.close();
    await relay.close();
    redis.disconnect();
    removeFaultPolicy?.();
    throw error;
  }
  const port = (server.address() as { port: number }).port;
  const metricsPort = ops ? (ops.address() as { port: number }).port : undefined;
  logger.info(
    { port, metricsPort, auth: apiToken !== undefined },
    apiToken === undefined
      ? `gateway listening on ${port} WITHOUT authentication (--insecure)`
      : `gateway listening on ${port}`,
  );
  return {
    server,
    port,
    metricsPort,
    relay,
    close: async () => {
      await relay.close();
      // Keep-alive connections (a browser's) would hold server.close() open: cut them now.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      if (ops) {
        const opsClosed = new Promise<void>((resolve) => ops.close(() => resolve()));
        ops.closeAllConnections();
        await opsClosed;
      }
      redis.disconnect();
      removeFaultPolicy?.();
    },
  };
}
