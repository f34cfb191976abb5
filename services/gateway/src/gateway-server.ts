import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import {
  createLogger,
  createMetrics,
  createRedis,
  ResultBus,
  STREAM_ID_PATTERN,
  type EiConfig,
} from '@ei/core';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { presentedToken, tokenMatches } from './auth/bearer-token.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { HttpError } from './http-error.js';
import { apiRoutes } from './routes/api-routes.js';
import { dashboardHost } from './static/dashboard-host.js';
import { LiveRelay } from './ws/live-relay.js';

export interface GatewayOptions {
  config: EiConfig;
  /** 0 picks a free port. Default 8080. */
  port?: number;
  host?: string;
  /** When set, every API call and websocket needs `Authorization: Bearer <token>` (or `?token=` for websockets). */
  apiToken?: string;
  /** Default 500. */
  maxWsClients?: number;
  /** Unsent bytes per websocket client before it skips frames. Default 2 MiB. */
  maxWsBufferedBytes?: number;
  /** Built dashboard to serve. Default dashboard/dist of the repository. */
  dashboardDir?: string;
}

export interface RunningGateway {
  server: Server;
  port: number;
  relay: LiveRelay;
  close(): Promise<void>;
}

const DEFAULT_DASHBOARD = fileURLToPath(new URL('../../../dashboard/dist/', import.meta.url));
const WS_STREAM_PATH = /^\/ws\/streams\/([^/?]+)$/;

/**
 * The gateway: REST API, websocket relay of live results, the built dashboard, and
 * /metrics, /healthz, /readyz on the same port.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config } = options;
  const logger = createLogger({
    name: 'gateway',
    level: config.log.level,
    format: config.log.format,
  });
  const metrics = createMetrics({ service: 'gateway' });
  const gatewayMetrics = createGatewayMetrics(metrics.registry);
  const redis = createRedis(config.redis, { connectionName: 'ei-gateway' });
  redis.on('error', (error: Error) =>
    logger.debug({ err: error.message }, 'redis connection error'),
  );
  const relay = new LiveRelay({
    bus: new ResultBus({ redis, keyPrefix: config.redis.keyPrefix }),
    metrics: gatewayMetrics,
    logger,
    maxClients: options.maxWsClients ?? 500,
    maxBufferedBytes: options.maxWsBufferedBytes ?? 2 * 1024 * 1024,
  });
  await relay.start();

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
    const ready = redis.status === 'ready';
    response
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ok' : 'unavailable', redis: redis.status });
  });
  app.get('/metrics', async (_request, response) => {
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  const apiToken = options.apiToken;
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
  // Every error leaves as JSON; bad input is a 4xx, and only a failure of ours is a 5xx.
  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    if (error instanceof HttpError) {
      response.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    const status =
      typeof (error as { status?: unknown }).status === 'number'
        ? (error as { status: number }).status
        : 500;
    if (status >= 500) logger.error({ err: (error as Error).message }, 'request failed');
    const unavailable = redis.status !== 'ready';
    response.status(unavailable ? 503 : status).json({
      error: {
        code: unavailable ? 'redis/unavailable' : 'request/failed',
        message: unavailable ? 'Redis is not reachable; retrying' : (error as Error).message,
      },
    });
  });

  const server = createServer(app);
  server.on('upgrade', (request, socket, head) => {
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    const refuse = (status: number, text: string, message: string): void => {
      socket.end(
        `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${JSON.stringify({ error: { code: `ws/${status}`, message } })}`,
      );
    };
    if (apiToken !== undefined && !tokenMatches(presentedToken(request, true), apiToken)) {
      return refuse(
        401,
        'Unauthorized',
        'this gateway needs a token: ?token=<token> or Authorization: Bearer <token>',
      );
    }
    if (path === '/ws') return relay.handleUpgrade(request, socket, head, 'none');
    const match = WS_STREAM_PATH.exec(path);
    if (match) {
      const id = decodeURIComponent(match[1]!);
      if (!STREAM_ID_PATTERN.test(id)) return refuse(400, 'Bad Request', `bad stream id "${id}"`);
      return relay.handleUpgrade(request, socket, head, new Set([id]));
    }
    refuse(404, 'Not Found', 'websocket paths: /ws and /ws/streams/:id');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '0.0.0.0', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  logger.info({ port, auth: apiToken !== undefined }, `gateway listening on ${port}`);
  return {
    server,
    port,
    relay,
    close: async () => {
      await relay.close();
      // Keep-alive connections (a browser's) would hold server.close() open: cut them now.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      redis.disconnect();
    },
  };
}
