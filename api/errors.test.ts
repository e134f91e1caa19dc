import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DependencyError, InputError, NotFoundError, PolicyDeniedError } from '../core/errors.ts';
import { apiError, formatApiError, rateLimitedError } from './errors.ts';

/** A resolver error as graphql-js hands it to formatError: wrapped, with a path. */
const located = (err: Error) =>
  new GraphQLError(err.message, { path: ['a', 0], originalError: err, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
const format = (err: GraphQLError) => formatApiError(err.toJSON(), err, 'req-1');

describe('formatApiError', () => {
  it('maps our errors by code and keeps their message', () => {
    expect(format(located(new InputError('first must be an integer from 1 to 100 (got 500)')))).toEqual({
      message: 'first must be an integer from 1 to 100 (got 500)',
      path: ['a', 0],
      extensions: { code: 'BAD_USER_INPUT', requestId: 'req-1' },
    });
    expect(format(located(new NotFoundError('no action a1'))).extensions).toEqual({
      code: 'NOT_FOUND',
      requestId: 'req-1',
    });
    const denied = format(located(new PolicyDeniedError('policy prod-freeze denies restart on Fridays')));
    expect(denied.message).toBe('policy prod-freeze denies restart on Fridays');
    expect(denied.extensions?.code).toBe('FORBIDDEN');
  });

  it('hides anything else behind "internal error", with no SQL, host or stack', () => {
    const cause = new DependencyError(
      "Code: 62. Syntax error in SELECT * FROM scores WHERE x = '' at clickhouse-0.internal:8123",
      { dependency: 'clickhouse', retryable: false },
    );
    for (const err of [cause, new TypeError("Cannot read properties of undefined (reading 'x')")]) {
      const out = format(located(err));
      expect(out).toEqual({
        message: 'internal error',
        path: ['a', 0],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'req-1' },
      });
      expect(JSON.stringify(out)).not.toMatch(/SELECT|clickhouse|stack|at /);
    }
  });

  it('keeps the code and safe extensions of API errors, dropping http', () => {
    const out = format(rateLimitedError(120, 40, 3));
    expect(out.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSec: 3, cost: 120, requestId: 'req-1' });
    expect(format(apiError('FORBIDDEN', 'no', { status: 403 })).extensions).toEqual({
      code: 'FORBIDDEN',
      requestId: 'req-1',
    });
  });

  it('keeps the outer code of GraphQL errors that carry none (validation, parse)', () => {
    const inner = new GraphQLError('Cannot query field "x" on type "Query".');
    const outer = new GraphQLError(inner.message, {
      originalError: inner,
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(format(outer).extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', requestId: 'req-1' });
  });
});
