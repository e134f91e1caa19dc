import { JetStreamApiError } from '@nats-io/jetstream';
import { DependencyError, messageOf } from '../errors.ts';

/** A NATS failure as a DependencyError naming what failed. */
export function wrap(err: unknown, what: string): DependencyError {
  if (err instanceof DependencyError) return err;
  const code = err instanceof JetStreamApiError ? err.code : (err as { code?: string | number })?.code;
  // API errors (bad config, not found) will fail again; timeouts and disconnects may not.
  const retryable = !(err instanceof JetStreamApiError);
  return new DependencyError(`${what}: ${messageOf(err)}`, {
    dependency: 'nats',
    retryable,
    dependencyCode: code,
    cause: err,
  });
}
