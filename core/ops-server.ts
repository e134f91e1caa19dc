import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, messageOf } from './errors.ts';
import { type Component, type ComponentState, withTimeout } from './lifecycle.ts';
import type { Logger } from './logger.ts';
import type { Registry } from './metrics.ts';

/** How long one readiness check may take before it counts as failed, in milliseconds. */
export const OPS_CHECK_TIMEOUT_MS = 2000;

/** One readiness check: resolves when the dependency answers, throws (or times out) when it does not. */
export type ReadinessProbe = () => Promise<void>;

/** The outcome of one check, as `/readyz` shows it: a reason that names no host or credential. */
export interface OpsCheckResult {
  name: string;
  ok: boolean;
  reason?: string;
}

/** What {@link createOpsServer} needs. */
export interface OpsServerParams {
  host: string;
  /** TCP port; 0 picks a free one (the caller decides whether 0 means "disabled"). */
  port: number;
  /** The process registry, served on `/metrics`. */
  metrics: Registry;
  /** Named checks behind `/readyz`; all must pass. */
  checks: Record<string, ReadinessProbe>;
  logger: Logger;
  /** @default OPS_CHECK_TIMEOUT_MS */
  checkTimeoutMs?: number;
}

/** The health and metrics HTTP server of a role without the API; `url` is known once started. */
export interface OpsServer extends Component {
  readonly url: string;
  readonly port: number;
}

/** A small HTTP server for a role's operators: `/healthz` (the process answers), `/readyz` (every
 *  dependency answers, JSON with one entry per check, 503 otherwise) and `/metrics` (Prometheus text),
 *  GET and HEAD only, 404 elsewhere. A port already taken fails `start()` with a ConfigError.
 *  @example const ops = createOpsServer({ host: '127.0.0.1', port: 9464, metrics, checks: { nats: () => bus.streamMessages('TELEMETRY').then(() => undefined) }, logger }); await ops.start(); */
export function createOpsServer(params: OpsServerParams): OpsServer {
  const logger = params.logger;
  const timeoutMs = params.checkTimeoutMs ?? OPS_CHECK_TIMEOUT_MS;
  let state: ComponentState = 'idle';
  let http: Server | undefined;
  let port = 0;

  const readiness = () => runChecks(params.checks, timeoutMs, logger, (name) => `${name} is not ready`);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
      if (path === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
      if (path === '/readyz') {
        const r = await readiness();
        return send(res, r.ready ? 200 : 503, 'application/json', JSON.stringify(r));
      }
      if (path === '/metrics') return send(res, 200, params.metrics.contentType, await params.metrics.metrics());
      return send(res, 404, 'text/plain', 'not found\n');
    } catch (err) {
      logger.error({ err: messageOf(err), path }, 'ops request failed');
      if (!res.headersSent) send(res, 500, 'text/plain', 'internal error\n');
      else res.destroy();
    }
  }

  const server: OpsServer = {
    name: 'ops-server',
    get state() {
      return state;
    },
    get port() {
      return port;
    },
    get url() {
      return httpUrl(params.host, port);
    },
    async start() {
      if (state !== 'idle') return;
      http = createServer({ requestTimeout: 10_000, headersTimeout: 5000 }, (req, res) => void handle(req, res));
      try {
        port = await listen(http, params.port, params.host);
      } catch (err) {
        state = 'failed';
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
          throw new ConfigError(
            `metrics.port: cannot listen on ${params.host}:${params.port} (${code}); set another port with AEGIS_METRICS_PORT, or 0 to disable the metrics server`,
            { cause: err },
          );
        throw err;
      }
      state = 'running';
      logger.info({ url: server.url }, 'health and metrics listening (/healthz, /readyz, /metrics)');
    },
    async stop() {
      if (state !== 'running') {
        if (state === 'idle') state = 'stopped';
        return;
      }
      state = 'stopping';
      await new Promise<void>((resolve) => {
        http!.close(() => resolve());
        // Scrapers keep connections alive; nothing here is worth waiting for.
        http!.closeAllConnections();
      });
      state = 'stopped';
    },
  };
  return server;
}

/** Runs named checks at once, each within `timeoutMs`. One that throws or times out fails with
 *  `unready(name)`, a reason naming no host or credential (the real error goes to the log only); one
 *  that resolves to a string fails with that reason. Every check passing makes `ready`. */
export async function runChecks<N extends string>(
  checks: Record<N, () => Promise<unknown>>,
  timeoutMs: number,
  logger: Logger,
  unready: (name: N) => string,
): Promise<{ ready: boolean; checks: (OpsCheckResult & { name: N })[] }> {
  const results = await Promise.all(
    (Object.entries(checks) as [N, () => Promise<unknown>][]).map(async ([name, probe]) => {
      try {
        const reason = await withTimeout(probe(), timeoutMs);
        return typeof reason === 'string' ? { name, ok: false, reason } : { name, ok: true };
      } catch (err) {
        logger.warn({ check: name, err: messageOf(err) }, 'readiness check failed');
        return { name, ok: false, reason: unready(name) };
      }
    }),
  );
  return { ready: results.every((c) => c.ok), checks: results };
}

/** Starts `http` listening on `host:port` (0 picks a free port) and resolves to the port bound; a
 *  listen error (a port already taken) rejects. */
export async function listen(http: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  return (http.address() as AddressInfo).port;
}

/** `http://host:port`, an IPv6 host in brackets. */
export const httpUrl = (host: string, port: number): string =>
  `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

/** Ends `res` with `status` and a `type` body. */
export function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.statusCode = status;
  res.setHeader('content-type', type);
  res.end(body);
}
