import { AsyncLocalStorage } from 'node:async_hooks';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from '../core/logger.ts';
import type { ApiMetrics } from './api-metrics.ts';
import type { ReadCache, ReadView } from './cache.ts';
import type { ApiLimits } from './config.ts';
import { formatApiError, rateLimitedError } from './errors.ts';
import {
  aliasLimitRule,
  createOperationCost,
  depthLimitRule,
  type RateLimitDecision,
  type RateLimiter,
} from './limits/index.ts';
import { responseCachePlugin } from './response-cache.ts';
import type { ApiServerContext } from './schema/index.ts';
import { READ_QUERY_FIELDS } from './schema/queries/index.ts';

/** What the HTTP layer and the Apollo plugins share about one request. */
export interface RequestState {
  /** Echoed in `x-request-id`, stamped on every error and bound in `logger`. */
  requestId: string;
  /** The server's logger with `requestId` bound: what everything about this request logs through. */
  logger: Logger;
  /** The authenticated key's id, once known (for the access log; never the key itself). */
  keyId?: string;
  /** The client's address: anonymous requests are charged to it. */
  remoteAddress?: string | undefined;
  /** The rate limiter's answer, once the operation's cost was taken (for the `x-ratelimit-*` headers). */
  rateLimit?: RateLimitDecision;
  /** The request's view of the read cache (what its read-side resolvers query through). */
  readView?: ReadView;
}

/** The request being handled (set by the HTTP server around the whole request), so formatError and the
 *  plugins, which Apollo calls without the context, reach its request id and logger. */
export const requestStore = new AsyncLocalStorage<RequestState>();

/** Who a request's cost is charged to: its key, or its address when it has none. */
export function rateLimitKey(ctx: ApiServerContext, remoteAddress: string | undefined): string {
  return ctx.principal ? `key:${ctx.principal.keyId}` : `ip:${remoteAddress ?? 'unknown'}`;
}

/** The Apollo server of the HTTP transport: depth and alias rules during validation, then cost and the
 *  per-key rate limit once the operation and its variables are known (before execution), errors through
 *  {@link formatApiError}, no stack traces, no landing page, no signal handlers (the component stops it). */
export function createApollo(params: {
  schema: GraphQLSchema;
  limits: ApiLimits;
  limiter: RateLimiter;
  metrics: ApiMetrics;
  logger: Logger;
  /** Whole read-side answers are kept in it too (see responseCachePlugin); none without. */
  readCache?: ReadCache;
}): ApolloServer<ApiServerContext> {
  const { limits, limiter, metrics, logger } = params;
  const operationCost = createOperationCost();
  const limitsPlugin: ApolloServerPlugin<ApiServerContext> = {
    async requestDidStart({ contextValue }) {
      const started = process.hrtime.bigint();
      return {
        async didResolveOperation(rc) {
          const cost = operationCost({
            schema: rc.schema,
            document: rc.document,
            variables: rc.request.variables,
            operationName: rc.operationName,
            maxCost: limits.maxCost,
          });
          const state = requestStore.getStore();
          const decision = limiter.consume(rateLimitKey(contextValue, state?.remoteAddress), cost);
          if (state) state.rateLimit = decision;
          if (!decision.allowed) {
            metrics.rateLimited();
            throw rateLimitedError(cost, decision.remaining, decision.retryAfterSec);
          }
        },
        async willSendResponse(rc) {
          const decision = requestStore.getStore()?.rateLimit;
          const headers = rc.response.http.headers;
          if (decision && decision.limit > 0) {
            headers.set('x-ratelimit-limit', String(decision.limit));
            headers.set('x-ratelimit-remaining', String(decision.remaining));
            headers.set('x-ratelimit-reset', String(decision.resetAtSec));
            if (!decision.allowed) headers.set('retry-after', String(decision.retryAfterSec));
          }
          const body = rc.response.body;
          const errors = body.kind === 'single' ? (body.singleResult.errors ?? []) : [];
          metrics.observe({
            type: rc.operation?.operation,
            name: rc.operationName,
            codes: errors.map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR')),
            seconds: Number(process.hrtime.bigint() - started) / 1e9,
          });
        },
      };
    },
  };
  return new ApolloServer<ApiServerContext>({
    schema: params.schema,
    validationRules: [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases)],
    parseOptions: { maxTokens: limits.maxTokens },
    includeStacktraceInErrorResponses: false,
    formatError: (formatted, error) => {
      const request = requestStore.getStore();
      return formatApiError(formatted, error, request?.requestId ?? 'unknown', request?.logger ?? logger);
    },
    introspection: true,
    stopOnTerminationSignals: false,
    // Apollo logs through pino; its own messages are plain strings.
    logger,
    // No cache hints are used: without the cache-control plugin Apollo does not wrap every field resolver.
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      limitsPlugin,
      ...(params.readCache
        ? [
            responseCachePlugin({
              cache: params.readCache,
              fields: READ_QUERY_FIELDS,
              viewOf: () => requestStore.getStore()?.readView,
            }),
          ]
        : []),
    ],
  });
}
