import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HeaderMap } from '@apollo/server';
import type { Component, ComponentState } from '../core/lifecycle.ts';
import type { Registry } from '../core/metrics.ts';
import { httpUrl, listen, send } from '../core/ops-server.ts';
import { createApiMetrics } from './api-metrics.ts';
import { createApollo, type RequestState, requestStore } from './apollo.ts';
import type { ApiKeyStore } from './auth/keys.ts';
import { createReadCache, DEFAULT_READ_CACHE_MS } from './cache.ts';
import type { ApiConfig } from './config.ts';
import type { ApiServices } from './context.ts';
import { errorResponseBody } from './errors.ts';
import { BodyTooLargeError, createRateLimiter, readBody } from './limits/index.ts';
import { checkReadiness } from './readiness.ts';
import { type ApiServerContext, buildApiSchema } from './schema/index.ts';
import { createStaticHandler, overviewAssets } from './static-assets.ts';
import { attachSubscriptionServer, type SubscriptionServer } from './subscriptions.ts';

/** Path of GraphQL over HTTP (POST, GET) and over WebSocket. */
export const GRAPHQL_PATH = '/graphql';

/** What {@link createApiServer} needs. */
export interface ApiServerParams {
  services: ApiServices;
  config: ApiConfig;
  keys: ApiKeyStore;
  /** The process registry: served on `/metrics`, and the API's own metrics are added to it. */
  metrics: Registry;
  /** How long the read side serves a query's result from memory, in milliseconds: its staleness bound
   *  for writes by other processes (the scorer, other replicas); this server's own writes drop the
   *  cache at once. 0 disables the cache. @default DEFAULT_READ_CACHE_MS (5000) */
  readCacheMs?: number;
}

/** The GraphQL API as a component; `url` and `port` are known once started (port 0 picks one). */
export interface ApiServer extends Component {
  /** `http://host:port` once started. */
  readonly url: string;
  readonly port: number;
}

/** A request id a client may choose: short and plain, so it is safe in headers and logs. */
const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{1,128}$/;

/** Paths polled by orchestrators and Prometheus: their access-log lines go at debug. */
const PROBE_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** The API server: `/graphql` (Apollo over node:http, and graphql-ws subscriptions on the same path),
 *  `/healthz`, `/readyz`, `/metrics`, 404 elsewhere. Stateless: run as many replicas as needed (the rate
 *  limit is per replica).
 *  @example const api = createApiServer({ services, config: parseApiConfig({ port: 0 }), keys, metrics }); await api.start(); */
export function createApiServer(params: ApiServerParams): ApiServer {
  const { config, keys } = params;
  // Read-side resolvers query through the cache; everything else writes (and reads, uncached) through
  // `writes`, whose every write drops the cache, so a triage mutation's row shows in the next read.
  const readCache = createReadCache({
    warehouse: params.services.warehouse,
    ttlMs: params.readCacheMs ?? DEFAULT_READ_CACHE_MS,
  });
  const services: ApiServices = { ...params.services, warehouse: readCache.writes, reads: readCache.reads };
  // buildApi hands in a logger already bound to the component: bind it once, not twice.
  const logger =
    services.logger.bindings().component === 'api' ? services.logger : services.logger.child({ component: 'api' });
  const metrics = createApiMetrics(params.metrics);
  const limiter = createRateLimiter({ pointsPerMinute: config.rateLimitPointsPerMinute, clock: services.clock });
  // The overview page at `/` and its assets: embedded mode has no Grafana.
  const overview = createStaticHandler(overviewAssets(), '/assets/');
  let state: ComponentState = 'idle';
  let http: Server | undefined;
  let ws: SubscriptionServer | undefined;
  let apollo: ReturnType<typeof createApollo> | undefined;
  let port = 0;

  /** Every HTTP request: its id (the client's when it is a sane token), a logger bound to it for the whole
   *  request, and one access-log line when the response ends. */
  function serve(req: IncomingMessage, res: ServerResponse): void {
    const started = process.hrtime.bigint();
    const asked = req.headers['x-request-id'];
    const requestId = typeof asked === 'string' && REQUEST_ID_RE.test(asked) ? asked : randomUUID();
    res.setHeader('x-request-id', requestId);
    const request: RequestState = {
      requestId,
      logger: logger.child({ requestId }),
      remoteAddress: req.socket.remoteAddress,
    };
    const path = (req.url ?? '/').split('?')[0]!.slice(0, 256);
    res.once('close', () => {
      const line = {
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e4) / 100,
        ...(request.keyId ? { keyId: request.keyId } : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      // Probes and scrapes come every few seconds: at info they would drown the requests that matter.
      if (PROBE_PATHS.has(path)) request.logger.debug(line, 'request');
      else request.logger.info(line, 'request');
    });
    requestStore
      .run(request, () => handle(req, res))
      .catch((err: unknown) => {
        // Only a request line the URL parser refuses gets here; handle() answers every other failure.
        request.logger.warn({ err: String(err) }, 'unreadable request');
        if (!res.headersSent) send(res, 400, 'text/plain', 'bad request\n');
        else res.destroy();
      });
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, requestId: string, url: URL): Promise<void> {
    const t0 = process.hrtime.bigint();
    const refuse = (status: number, code: string, message: string) => {
      metrics.observe({ type: undefined, codes: [code], seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
      send(res, status, 'application/json; charset=utf-8', errorResponseBody(code, message, requestId));
    };
    if (req.method !== 'POST' && req.method !== 'GET') {
      res.setHeader('allow', 'GET, POST');
      return refuse(405, 'BAD_REQUEST', 'use POST (or GET for queries)');
    }
    let principal: ApiServerContext['principal'] = null;
    const auth = req.headers.authorization;
    if (auth !== undefined) {
      const token = /^Bearer\s+(\S+)$/i.exec(auth.trim())?.[1];
      principal = token ? await keys.authenticate(token) : null;
      if (!principal) return refuse(401, 'UNAUTHENTICATED', 'the API key is invalid or revoked');
    }
    const request = requestStore.getStore()!;
    if (principal) request.keyId = principal.keyId;
    let body: unknown;
    if (req.method === 'POST') {
      let raw: Buffer;
      try {
        raw = await readBody(req, config.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLargeError) {
          res.setHeader('connection', 'close');
          return refuse(413, 'PAYLOAD_TOO_LARGE', `request body larger than ${config.maxBodyBytes} bytes`);
        }
        throw err;
      }
      const type = req.headers['content-type'] ?? '';
      if (type.startsWith('application/json')) {
        try {
          body = raw.length === 0 ? undefined : JSON.parse(raw.toString('utf8'));
        } catch {
          return refuse(400, 'BAD_REQUEST', 'the request body is not valid JSON');
        }
      } else body = raw.toString('utf8');
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const readView = readCache.view();
    const context: ApiServerContext = {
      requestId,
      principal,
      services: { ...services, reads: readView.reads, logger: request.logger },
      keys,
      loaders: new Map(),
    };
    request.readView = readView;
    const response = await apollo!.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method!, headers, search: url.search, body },
      context: async () => context,
    });
    for (const [k, v] of response.headers) res.setHeader(k, v);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { requestId, logger } = requestStore.getStore()!;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    try {
      if (path === GRAPHQL_PATH) return await handleGraphQL(req, res, requestId, url);
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed\n');
      if (path === '/healthz') return send(res, 200, 'text/plain', 'ok\n');
      if (overview.handles(path)) return await overview.serve(req, res, path);
      if (path === '/readyz') {
        const readiness = await checkReadiness({ ...services, logger });
        return send(res, readiness.ready ? 200 : 503, 'application/json', JSON.stringify(readiness));
      }
      if (path === '/metrics') return send(res, 200, params.metrics.contentType, await params.metrics.metrics());
      return send(res, 404, 'text/plain', 'not found\n');
    } catch (err) {
      logger.error({ err, path }, 'API request failed');
      if (!res.headersSent)
        send(res, 500, 'application/json', errorResponseBody('INTERNAL_SERVER_ERROR', 'internal error', requestId));
      else res.destroy();
    }
  }

  const server: ApiServer = {
    name: 'api',
    get state() {
      return state;
    },
    get port() {
      return port;
    },
    get url() {
      return httpUrl(config.host, port);
    },
    async start() {
      if (state !== 'idle') return;
      try {
        const schema = await buildApiSchema();
        apollo = createApollo({
          schema,
          limits: config,
          limiter,
          metrics,
          logger,
          readCache,
        });
        await apollo.start();
        http = createServer({ requestTimeout: 60_000, headersTimeout: 20_000 }, serve);
        ws = attachSubscriptionServer({
          http,
          path: GRAPHQL_PATH,
          schema,
          services,
          keys,
          limits: config,
          limiter,
          metrics,
          logger,
        });
        port = await listen(http, config.port, config.host);
        state = 'running';
        logger.info({ url: `${server.url}${GRAPHQL_PATH}` }, 'API listening');
      } catch (err) {
        state = 'failed';
        await apollo?.stop().catch(() => undefined);
        throw err;
      }
    },
    async stop(options = {}) {
      if (state !== 'running' && state !== 'failed') {
        if (state === 'idle') state = 'stopped';
        return;
      }
      state = 'stopping';
      // The configured timeout applies even when the caller's deadline is longer (roles pass 30 s).
      const deadlineMs = Math.min(options.deadlineMs ?? Number.POSITIVE_INFINITY, config.shutdownTimeoutMs);
      // Sockets first (their operations complete), then no new HTTP connections; in-flight requests
      // finish until the deadline, after which their connections are cut.
      await ws?.close().catch((err: unknown) => logger.warn({ err }, 'closing WebSocket server failed'));
      if (http) {
        const closed = new Promise<void>((resolve) => http!.close(() => resolve()));
        // A keep-alive connection goes idle when its request ends: close those as they do.
        const sweep = setInterval(() => http?.closeIdleConnections(), 50);
        const timer = setTimeout(() => http?.closeAllConnections(), deadlineMs);
        await closed;
        clearInterval(sweep);
        clearTimeout(timer);
      }
      await apollo?.stop().catch((err: unknown) => logger.warn({ err }, 'stopping Apollo failed'));
      state = 'stopped';
    },
  };
  return server;
}
