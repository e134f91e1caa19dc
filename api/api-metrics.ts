import { counter, histogram, type Registry } from '../core/metrics.ts';

/** Most distinct operation labels; past it, new operation names count as `other` (names come from
 *  clients, so they must not grow the series without bound). */
const MAX_OPERATION_LABELS = 200;
const OPERATION_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** What happened to a request, for the `outcome` label: a fixed set derived from the first error code. */
export type ApiOutcome =
  | 'ok'
  | 'client_error'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'limit_exceeded'
  | 'payload_too_large'
  | 'internal_error';

/** The API's self-metrics in the process registry. */
export interface ApiMetrics {
  /** Records one finished request or subscription operation. */
  observe(params: {
    type?: string | undefined;
    name?: string | null | undefined;
    codes: string[];
    seconds: number;
  }): void;
  rateLimited(): void;
}

/** Registers `aegis_api_requests_total`, `aegis_api_request_duration_seconds` (by operation and outcome)
 *  and `aegis_api_rate_limited_total` in `registry`. */
export function createApiMetrics(registry: Registry): ApiMetrics {
  const requests = counter(registry, {
    name: 'aegis_api_requests_total',
    help: 'GraphQL operations answered, by operation (type:name) and outcome.',
    labelNames: ['operation', 'outcome'],
  });
  const duration = histogram(registry, {
    name: 'aegis_api_request_duration_seconds',
    help: 'Time to answer a GraphQL operation, in seconds, by operation and outcome.',
    labelNames: ['operation', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  const limited = counter(registry, {
    name: 'aegis_api_rate_limited_total',
    help: 'GraphQL operations refused because their key spent its cost points.',
  });
  const seen = new Set<string>();
  const label = (type: string | undefined, name: string | null | undefined): string => {
    if (!type) return 'unknown';
    const op = name && OPERATION_NAME_RE.test(name) ? `${type}:${name}` : type;
    if (seen.has(op)) return op;
    if (seen.size >= MAX_OPERATION_LABELS) return `${type}:other`;
    seen.add(op);
    return op;
  };
  return {
    observe({ type, name, codes, seconds }) {
      const labels = { operation: label(type, name), outcome: outcomeOf(codes) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
    rateLimited() {
      limited.inc();
    },
  };
}

/** The outcome of a response from its error codes (the first one decides). */
export function outcomeOf(codes: readonly string[]): ApiOutcome {
  const code = codes[0];
  if (code === undefined) return 'ok';
  switch (code) {
    case 'UNAUTHENTICATED':
      return 'unauthenticated';
    case 'FORBIDDEN':
      return 'forbidden';
    case 'RATE_LIMITED':
      return 'rate_limited';
    case 'QUERY_TOO_DEEP':
    case 'TOO_MANY_ALIASES':
    case 'QUERY_TOO_COSTLY':
      return 'limit_exceeded';
    case 'PAYLOAD_TOO_LARGE':
      return 'payload_too_large';
    case 'INTERNAL_SERVER_ERROR':
      return 'internal_error';
    default:
      return 'client_error';
  }
}
