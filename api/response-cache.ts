import type { ApolloServerPlugin, GraphQLRequestContextResponseForOperation } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import { type DocumentNode, type FormattedExecutionResult, Kind, type SelectionSetNode } from 'graphql';
import type { ReadCache, ReadView } from './cache.ts';
import type { ApiServerContext } from './schema/index.ts';

/** What {@link responseCachePlugin} needs. */
export interface ResponseCacheParams {
  cache: ReadCache;
  /** Query fields answered from the read side only (scores, services, insights…), never from the
   *  control side (actions, audit, keys): only operations selecting nothing else are cached. */
  fields: ReadonlySet<string>;
  /** The current request's view of the cache (what its resolvers read through), if it has one. */
  viewOf: () => ReadView | undefined;
}

/**
 * Answers a repeated read-side query from memory: the whole result, kept in the read cache as a value
 * derived from the reads that built it, so it is never staler than they may be (the cache's TTL) and a
 * write through the API drops it. Keyed by the caller's role and team scope (everything a read-side
 * answer depends on besides the query and its variables), so one scope never sees another's answer.
 * Only error-free results of queries selecting nothing but `fields` are kept. Runs after the cost
 * and rate limit are charged: a cached answer costs the caller the same points.
 */
export function responseCachePlugin(params: ResponseCacheParams): ApolloServerPlugin<ApiServerContext> {
  const { cache, fields, viewOf } = params;
  const eligible = new WeakMap<DocumentNode, Map<string, boolean>>();

  /** Whether the resolved operation only selects read-side fields (memoised per parsed document). */
  const cacheable = (rc: GraphQLRequestContextResponseForOperation<ApiServerContext>): boolean => {
    const op = rc.operation;
    if (op?.operation !== 'query' || rc.queryHash === undefined) return false;
    const name = rc.operationName ?? '';
    let byName = eligible.get(rc.document);
    let answer = byName?.get(name);
    if (answer !== undefined) return answer;
    let reads = 0;
    const visit = (set: SelectionSetNode, seen: Set<string>): boolean =>
      set.selections.every((s) => {
        if (s.kind === Kind.FIELD) {
          if (fields.has(s.name.value)) reads++;
          return s.name.value === '__typename' || fields.has(s.name.value);
        }
        if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet, seen);
        const fragment = rc.document.definitions.find(
          (d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === s.name.value,
        );
        if (!fragment || fragment.kind !== Kind.FRAGMENT_DEFINITION || seen.has(s.name.value)) return false;
        return visit(fragment.selectionSet, new Set([...seen, s.name.value]));
      });
    // `{ __typename }` alone costs nothing to answer: not worth a cache entry.
    answer = visit(op.selectionSet, new Set()) && reads > 0;
    if (!byName) {
      byName = new Map();
      eligible.set(rc.document, byName);
    }
    byName.set(name, answer);
    return answer;
  };

  return {
    async requestDidStart({ contextValue }) {
      let key: string | undefined;
      let hit = false;
      return {
        async responseForOperation(rc) {
          const principal = contextValue.principal;
          if (!principal || !cacheable(rc)) return null;
          key = [
            principal.role,
            principal.team ?? '*',
            rc.queryHash,
            rc.operationName ?? '',
            JSON.stringify(rc.request.variables ?? {}),
          ].join('\u0000');
          const found = cache.recall(key) as FormattedExecutionResult | undefined;
          if (!found) return null;
          hit = true;
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: found },
          };
        },
        async willSendResponse(rc) {
          const view = viewOf();
          const body = rc.response.body;
          if (hit || key === undefined || !view || body.kind !== 'single' || body.singleResult.errors) return;
          cache.remember(key, body.singleResult, view);
        },
      };
    },
  };
}
