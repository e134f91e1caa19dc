import { randomUUID } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import { GraphQLError, type GraphQLSchema, getOperationAST, parse, specifiedRules, validate } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Logger } from '../core/logger.ts';
import type { ApiMetrics } from './api-metrics.ts';
import { rateLimitKey } from './apollo.ts';
import type { ApiKeyStore } from './auth/keys.ts';
import { type ApiPrincipal, can } from './auth/permissions.ts';
import type { ApiLimits } from './config.ts';
import type { ApiServices } from './context.ts';
import { forbiddenError, formatApiError, rateLimitedError } from './errors.ts';
import { aliasLimitRule, depthLimitRule, operationCost, type RateLimiter } from './limits/index.ts';
import type { ApiServerContext } from './schema/index.ts';

/** What each socket carries beside graphql-ws's own context. */
interface SocketExtra extends Record<PropertyKey, unknown> {
  principal: ApiPrincipal;
  token: string;
  /** Each operation on the socket by operation id: its request id (for its errors), type and start. */
  operations: Map<string, OperationInfo>;
}

/** Most operations (subscriptions) running at once on one socket; more are refused. */
export const MAX_OPERATIONS_PER_SOCKET = 100;

interface OperationInfo {
  requestId: string;
  type?: string;
  startedAt: bigint;
}

/** The WebSocket side of `/graphql`: graphql-ws (`graphql-transport-ws`) on the HTTP server's upgrades. */
export interface SubscriptionServer {
  /** Completes every operation, closes every socket (1001) and the server. */
  close(): Promise<void>;
}

/** Accepts WebSocket upgrades on `path` of `http` and serves GraphQL over them. The key comes in
 *  `connection_init` as `{ authorization: 'Bearer <token>' }`: missing → close 4401, wrong or revoked →
 *  4403. Each operation is held to the same rules as over HTTP (depth, aliases, cost, rate limit) and the
 *  key is checked again (through the cache), so a revoked key stops starting operations within cacheMs. */
export function attachSubscriptionServer(params: {
  http: HttpServer;
  path: string;
  schema: GraphQLSchema;
  services: ApiServices;
  keys: ApiKeyStore;
  limits: ApiLimits;
  limiter: RateLimiter;
  metrics: ApiMetrics;
  logger: Logger;
}): SubscriptionServer {
  const { schema, services, keys, limits, limiter, metrics, logger } = params;
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxBodyBytes });
  params.http.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== params.path) {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  const rules = [...specifiedRules, depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)];
  const finish = (operations: Map<string, OperationInfo> | undefined, id: string, codes: string[]) => {
    const op = operations?.get(id);
    if (!op) return;
    operations?.delete(id);
    const seconds = Number(process.hrtime.bigint() - op.startedAt) / 1e9;
    metrics.observe({ type: op.type ?? 'unknown', name: null, codes, seconds });
  };

  const disposable = useServer<Record<string, unknown> | undefined, SocketExtra>(
    {
      schema,
      async onConnect(ctx) {
        const socket = ctx.extra.socket;
        const header = ctx.connectionParams?.authorization;
        const token = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header.trim())?.[1] : undefined;
        if (!token) {
          socket.close(CloseCode.Unauthorized, 'authentication required: connection_init { authorization }');
          return false;
        }
        try {
          const principal = await keys.authenticate(token);
          if (!principal) {
            socket.close(CloseCode.Forbidden, 'invalid or revoked API key');
            return false;
          }
          Object.assign(ctx.extra, { principal, token, operations: new Map<string, OperationInfo>() });
          return true;
        } catch (err) {
          logger.error({ err }, 'authenticating a WebSocket connection failed');
          socket.close(CloseCode.InternalServerError, 'internal error');
          return false;
        }
      },
      async onSubscribe(ctx, id, payload) {
        const requestId = randomUUID();
        const info: OperationInfo = { requestId, startedAt: process.hrtime.bigint() };
        ctx.extra.operations?.set(id, info);
        if ((ctx.extra.operations?.size ?? 0) > MAX_OPERATIONS_PER_SOCKET)
          return [
            new GraphQLError(`at most ${MAX_OPERATIONS_PER_SOCKET} operations at once on one connection`, {
              extensions: { code: 'BAD_REQUEST' },
            }),
          ];
        try {
          const principal = await keys.authenticate(ctx.extra.token ?? '');
          if (!principal) {
            ctx.extra.socket.close(CloseCode.Forbidden, 'invalid or revoked API key');
            return [new GraphQLError('invalid or revoked API key', { extensions: { code: 'UNAUTHENTICATED' } })];
          }
          let document: ReturnType<typeof parse>;
          try {
            document = parse(payload.query, { maxTokens: limits.maxTokens });
          } catch (err) {
            return [
              err instanceof GraphQLError ? withCode(err, 'GRAPHQL_PARSE_FAILED') : new GraphQLError('bad query'),
            ];
          }
          const errors = validate(schema, document, rules);
          if (errors.length > 0) return errors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
          const operation = getOperationAST(document, payload.operationName);
          if (!operation) return [new GraphQLError('no operation to run', { extensions: { code: 'BAD_REQUEST' } })];
          info.type = operation.operation;
          // @Authorized guards a subscription's events, not its `subscribe` function: without this a key
          // lacking the permission could still open a stream tail.
          if (operation.operation === 'subscription' && !can(principal, 'subscribe'))
            return [forbiddenError(`role ${principal.role} lacks the subscribe permission subscriptions need`)];
          const variables = payload.variables ?? undefined;
          const cost = operationCost({
            schema,
            document,
            variables,
            operationName: payload.operationName,
            maxCost: limits.maxCost,
          });
          const contextValue: ApiServerContext = { requestId, principal, services, keys, loaders: new Map() };
          // The same bucket as the key's HTTP requests.
          const decision = limiter.consume(rateLimitKey(contextValue, undefined), cost);
          if (!decision.allowed) {
            metrics.rateLimited();
            return [rateLimitedError(cost, decision.remaining, decision.retryAfterSec)];
          }
          return {
            schema,
            document,
            operationName: payload.operationName ?? null,
            variableValues: variables ?? null,
            contextValue,
          };
        } catch (err) {
          return [
            err instanceof GraphQLError ? err : new GraphQLError('internal error', { originalError: toError(err) }),
          ];
        }
      },
      onNext(ctx, id, _payload, _args, result) {
        if (!result.errors?.length) return;
        const requestId = ctx.extra.operations?.get(id)?.requestId ?? 'unknown';
        return {
          ...result,
          errors: result.errors.map((e) => formatApiError(e.toJSON(), e, requestId, logger)),
        } as never;
      },
      onError(ctx, id, _payload, errors) {
        const requestId = ctx.extra.operations?.get(id)?.requestId ?? 'unknown';
        const formatted = errors.map((e) => formatApiError(e.toJSON(), e, requestId, logger));
        finish(
          ctx.extra.operations,
          id,
          formatted.map((e) => String(e.extensions?.code)),
        );
        return formatted;
      },
      onComplete(ctx, id) {
        finish(ctx.extra.operations, id, []);
      },
    },
    wss,
  );

  return {
    async close() {
      await disposable.dispose();
    },
  };
}

/** Validation and parse errors carry Apollo's codes over HTTP; the same here, unless a rule set its own. */
function withCode(e: GraphQLError, code: string): GraphQLError {
  if (typeof e.extensions.code === 'string') return e;
  return new GraphQLError(e.message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    extensions: { ...e.extensions, code },
  });
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
