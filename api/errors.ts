import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { AegisError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';

/** Error codes clients see in `errors[].extensions.code`. Apollo's own (GRAPHQL_PARSE_FAILED,
 *  GRAPHQL_VALIDATION_FAILED, BAD_REQUEST, PERSISTED_QUERY_*) pass through as Apollo names them. */
export type ApiErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'RATE_LIMITED'
  | 'QUERY_TOO_DEEP'
  | 'TOO_MANY_ALIASES'
  | 'QUERY_TOO_COSTLY'
  | 'PAYLOAD_TOO_LARGE'
  | 'INTERNAL_SERVER_ERROR';

/** The message of every error this API does not explain: the real one goes to the log with the request id. */
export const INTERNAL_MESSAGE = 'internal error';

/** Extensions that never reach a client: transport details and anything that could carry a stack. */
const PRIVATE_EXTENSIONS = new Set(['http', 'exception', 'stacktrace', 'originalError']);

/** A GraphQL error with a code from {@link ApiErrorCode} and an HTTP status for when it ends a request
 *  before execution. Throw it from resolvers only for auth and limits; domain errors are the core/errors
 *  classes (InputError, NotFoundError, PolicyDeniedError), mapped in {@link formatApiError}. */
export function apiError(
  code: ApiErrorCode,
  message: string,
  options: { status?: number; extensions?: Record<string, unknown> } = {},
): GraphQLError {
  return new GraphQLError(message, {
    extensions: {
      code,
      ...options.extensions,
      ...(options.status ? { http: { status: options.status } } : {}),
    },
  });
}

/** No key, or a key that does not authenticate. */
export function unauthenticatedError(message = 'authentication required: send Authorization: Bearer <API key>') {
  // No HTTP status: a field refused in a query with public fields is a partial answer (200).
  return apiError('UNAUTHENTICATED', message);
}

/** The key authenticated but its role lacks `permission` (or the object is outside its team). */
export function forbiddenError(message: string) {
  return apiError('FORBIDDEN', message);
}

/** The key spent its points: retry after `retryAfterSec` seconds. */
export function rateLimitedError(cost: number, remaining: number, retryAfterSec: number) {
  return apiError(
    'RATE_LIMITED',
    `rate limit exceeded: this operation costs ${cost} points and ${remaining} are left; retry in ${retryAfterSec} s`,
    { status: 429, extensions: { retryAfterSec, cost } },
  );
}

/** How an AegisError's code shows to clients; codes not listed are internal. */
const AEGIS_CODES: Partial<Record<AegisError['code'], ApiErrorCode>> = {
  INPUT_INVALID: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  // The message explains which policy refused and why: the caller needs it.
  POLICY_DENIED: 'FORBIDDEN',
};

/** The one place errors become what clients see: `{ message, locations, path, extensions: { code,
 *  requestId } }`. AegisErrors map by code (BAD_USER_INPUT, NOT_FOUND, FORBIDDEN); GraphQL's and this
 *  API's own errors keep their code and message; anything else becomes INTERNAL_SERVER_ERROR with
 *  "internal error" only, and the real error is logged with the request id. */
export function formatApiError(
  formatted: GraphQLFormattedError,
  error: unknown,
  requestId: string,
  logger?: Logger,
): GraphQLFormattedError {
  const leaf = rootCause(error);
  const base = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  if (leaf instanceof AegisError) {
    const code = AEGIS_CODES[leaf.code];
    if (code) return { message: leaf.message, ...base, extensions: { code, requestId } };
  } else if (leaf instanceof GraphQLError) {
    const code = stringCode(leaf.extensions.code) ?? stringCode(formatted.extensions?.code) ?? 'INTERNAL_SERVER_ERROR';
    const extensions: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(leaf.extensions)) if (!PRIVATE_EXTENSIONS.has(k)) extensions[k] = v;
    return { message: leaf.message, ...base, extensions: { ...extensions, code, requestId } };
  }
  logger?.error({ err: leaf, requestId, path: formatted.path }, 'internal error in an API request');
  return { message: INTERNAL_MESSAGE, ...base, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } };
}

/** The JSON body of a request refused before GraphQL sees it (bad token, body too large). */
export function errorResponseBody(code: ApiErrorCode | string, message: string, requestId: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code, requestId } }] });
}

/** The error that started it all: GraphQL wraps resolver errors (`originalError`), Apollo wraps those. */
function rootCause(error: unknown): unknown {
  let e = error;
  for (let i = 0; i < 10 && e instanceof GraphQLError && e.originalError && e.originalError !== e; i++)
    e = e.originalError;
  return e;
}

function stringCode(code: unknown): string | undefined {
  return typeof code === 'string' && code !== '' ? code : undefined;
}
