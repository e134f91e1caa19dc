import { DependencyError, messageOf } from '../errors.ts';

// ClickHouse error codes that describe a passing condition of the server, not of the statement.
const RETRYABLE_CODES = new Set([
  3, // UNEXPECTED_END_OF_FILE
  159, // TIMEOUT_EXCEEDED
  202, // TOO_MANY_SIMULTANEOUS_QUERIES
  209, // SOCKET_TIMEOUT
  210, // NETWORK_ERROR
  241, // MEMORY_LIMIT_EXCEEDED
  242, // TABLE_IS_READ_ONLY
  252, // TOO_MANY_PARTS
  319, // UNKNOWN_STATUS_OF_INSERT
  425, // SYSTEM_ERROR
  999, // KEEPER_EXCEPTION
]);
const NETWORK_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Wraps a ClickHouse or chdb error as a DependencyError carrying the server's code. */
export function warehouseError(err: unknown, what: string): DependencyError {
  if (err instanceof DependencyError) return err;
  const e = err as { clickhouseCode?: number; code?: string | number; message?: string; cause?: { code?: string } };
  const numeric = typeof e.clickhouseCode === 'number' ? e.clickhouseCode : Number(e.code);
  const errno = typeof e.code === 'string' && Number.isNaN(Number(e.code)) ? e.code : e.cause?.code;
  const retryable =
    (Number.isFinite(numeric) && RETRYABLE_CODES.has(numeric)) ||
    (errno !== undefined && NETWORK_ERRNO.has(errno)) ||
    /timeout|socket hang up|ECONNREFUSED/i.test(messageOf(err));
  return new DependencyError(`${what}: ${firstLine(messageOf(err))}`, {
    dependency: 'clickhouse',
    retryable,
    dependencyCode: Number.isFinite(numeric) ? numeric : errno,
    cause: err,
  });
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 500);
}
