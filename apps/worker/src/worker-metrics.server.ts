import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsRegistry, RequestErrorCode } from '@kizuna/common';
import type { Logger } from 'pino';

/**
 * What a worker-only process serves over HTTP: GET /metrics (this process's Prometheus registry,
 * so counters only workers keep, such as kizuna_email_possibly_duplicated_total, can be scraped)
 * and GET /health (liveness: the process and its event loop are up). Nothing else, and no API
 * key: checking a key needs the database, and metrics matter most while it is down. Who may read
 * it is decided by where it listens (WORKER_METRICS_HOST, loopback by default): see
 * docs/decisions/0014-worker-metrics-and-outages.md.
 *
 * A plain node:http server rather than Nest's: the worker has no HTTP stack to share, and this
 * one must answer even while the Nest application is still starting or draining.
 */
export class WorkerMetricsServer {
  private constructor(
    private readonly server: http.Server,
    /** http://<host>:<port>, as bound (the port the OS picked, when asked for 0). */
    readonly url: string,
  ) {}

  /** Listens on `port` (0: any free one) at `host`; fails with a message naming the variables. */
  static async start(options: { port: number; host: string }, logger: Logger): Promise<WorkerMetricsServer> {
    const server = http.createServer((req, res) => void respond(req, res));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      const code = (error as { code?: string }).code ?? String(error);
      throw new Error(
        `WORKER_METRICS_PORT/WORKER_METRICS_HOST: cannot listen on ${options.host}:${options.port} (${code}); ` +
          'give each worker on a host its own port, 0 for one the OS picks, or off',
        { cause: error },
      );
    }
    const { address, port } = server.address() as AddressInfo;
    const url = `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
    logger.info({ url: `${url}/metrics`, health: `${url}/health` }, 'worker metrics listening');
    return new WorkerMetricsServer(server, url);
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}

async function respond(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://worker').pathname;
  const route = ROUTES.get(path);
  if (!route) {
    return json(res, 404, {
      code: RequestErrorCode.RouteNotFound,
      message: `No route ${path}: a worker serves GET /metrics and GET /health only`,
    });
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return json(res, 405, { code: 'HTTP_405', message: `${path} answers GET only` });
  }
  try {
    await route(res);
  } catch {
    json(res, 500, { code: 'INTERNAL_ERROR', message: 'Internal server error' });
  }
}

const ROUTES = new Map<string, (res: http.ServerResponse) => Promise<void>>([
  [
    '/metrics',
    async (res) => {
      const text = await metricsRegistry.metrics();
      res.writeHead(200, { 'Content-Type': metricsRegistry.contentType }).end(text);
    },
  ],
  [
    '/health',
    (res) => {
      json(res, 200, { status: 'ok' });
      return Promise.resolve();
    },
  ],
]);

/** JSON answers, errors in the api's shape `{ statusCode, code, message, requestId }`. */
function json(res: http.ServerResponse, statusCode: number, body: Record<string, unknown>): void {
  const payload = 'code' in body ? { statusCode, ...body, requestId: randomUUID() } : body;
  res.writeHead(statusCode, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
}
