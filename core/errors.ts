/** Stable error codes. Callers match on `code`, never on message text. */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'INPUT_INVALID'
  | 'DEPENDENCY_UNAVAILABLE'
  | 'DEPENDENCY_FAILED'
  | 'POLICY_DENIED'
  | 'NOT_FOUND'
  | 'USAGE';

/** Base of AEGIS errors: a stable `code`, whether retrying may help, and the underlying `cause`. */
export abstract class AegisError extends Error {
  abstract readonly code: ErrorCode;
  abstract readonly retryable: boolean;
}

/** Bad configuration: fails the process at startup, names the key and the expectation. */
export class ConfigError extends AegisError {
  override name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  readonly retryable = false;
}

/** Bad input data: a record, a file, a request. Never retryable as is. */
export class InputError extends AegisError {
  override name = 'InputError';
  readonly code = 'INPUT_INVALID';
  readonly retryable = false;
  /** Where in the input: `line 12`, `Records[3]`, `resourceMetrics[0].scopeMetrics[1]`. */
  readonly location: string | undefined;
  constructor(message: string, options?: { cause?: unknown; location?: string }) {
    super(message, options);
    this.location = options?.location;
  }
}

/** NATS or ClickHouse failed. `retryable` says whether the same call may succeed later. */
export class DependencyError extends AegisError {
  override name = 'DependencyError';
  readonly code: 'DEPENDENCY_UNAVAILABLE' | 'DEPENDENCY_FAILED';
  readonly retryable: boolean;
  /** Which dependency: `nats`, `clickhouse`, `nats-server`. */
  readonly dependency: string;
  /** The dependency's own error code, when it gave one (ClickHouse error number, NATS status). */
  readonly dependencyCode: string | undefined;
  constructor(
    message: string,
    options: { dependency: string; retryable: boolean; dependencyCode?: string | number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.dependency = options.dependency;
    this.retryable = options.retryable;
    this.code = options.retryable ? 'DEPENDENCY_UNAVAILABLE' : 'DEPENDENCY_FAILED';
    this.dependencyCode = options.dependencyCode === undefined ? undefined : String(options.dependencyCode);
  }
}

/** The control layer refused a request: policy denied it, or the requester may not do this
 *  (approving their own action, an agent where a human must decide). */
export class PolicyDeniedError extends AegisError {
  override name = 'PolicyDeniedError';
  readonly code = 'POLICY_DENIED';
  readonly retryable = false;
}

/** What was asked for does not exist (an action id, a recommendation). */
export class NotFoundError extends AegisError {
  override name = 'NotFoundError';
  readonly code = 'NOT_FOUND';
  readonly retryable = false;
}

/** A command line that cannot be run as given (exit code 2). */
export class UsageError extends AegisError {
  override name = 'UsageError';
  readonly code = 'USAGE';
  readonly retryable = false;
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
