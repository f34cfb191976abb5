import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface OpsServerOptions {
  port: number;
  host?: string;
  registry: Registry;
  /** Ready to take work (model loaded, Redis connected...). */
  isReady: () => boolean;
  /** Alive; false makes Kubernetes restart the pod. Default: always alive. */
  isHealthy?: () => boolean;
}

/**
 * `/metrics`, `/healthz` and `/readyz` for services without a web framework of their own
 * (workers, producers). Kubernetes probes and Prometheus scrape these.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response
        .writeHead(405, { 'content-type': 'application/json', allow: 'GET, HEAD' })
        .end('{"error":"method not allowed"}');
      return;
    }
    if (path === '/metrics') {
      options.registry.metrics().then(
        (text) =>
          response.writeHead(200, { 'content-type': options.registry.contentType }).end(text),
        (error: Error) =>
          response.writeHead(500, { 'content-type': 'text/plain' }).end(error.message),
      );
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const ok = path === '/healthz' ? (options.isHealthy?.() ?? true) : options.isReady();
      response
        .writeHead(ok ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ status: ok ? 'ok' : 'unavailable' }));
      return;
    }
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
