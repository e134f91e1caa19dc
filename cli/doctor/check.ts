import { messageOf } from '../../core/errors.ts';
import { withTimeout as raceTimeout } from '../../core/lifecycle.ts';

/** How a check came out: `warn` does not fail `aegis doctor`, `fail` does. */
export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One line of the doctor's report. */
export interface CheckResult {
  /** What was checked: `nats`, `clickhouse`, `migrations`, … */
  name: string;
  status: CheckStatus;
  /** What was found, with the numbers behind the verdict. */
  detail: string;
  /** What to do about a warning or failure. */
  fix?: string;
}

/** How long one network check may take before it reports "timed out", in milliseconds. @default 3000 */
export const DEFAULT_CHECK_TIMEOUT_MS = 3000;

/** A result; `fix` is left out when there is none (so the JSON carries no `"fix": undefined`). */
export function result(name: string, status: CheckStatus, detail: string, fix?: string): CheckResult {
  return fix ? { name, status, detail, fix } : { name, status, detail };
}

/** Thrown by {@link withTimeout}. */
export class CheckTimeoutError extends Error {
  override name = 'CheckTimeoutError';
}

/** Runs `fn`, rejecting with a {@link CheckTimeoutError} after `timeoutMs`. The work itself may go on in
 *  the background (a query the engine keeps computing); the report does not wait for it. */
export async function withTimeout<T>(what: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  return raceTimeout(fn(), timeoutMs, () => new CheckTimeoutError(`${what} timed out after ${formatMs(timeoutMs)}`));
}

/** A check that threw becomes a failure naming the error, so one broken dependency never hides the
 *  rest of the report. */
export async function guarded(name: string, fn: () => Promise<CheckResult>, fix?: string): Promise<CheckResult> {
  try {
    return await fn();
  } catch (err) {
    return result(name, 'fail', messageOf(err), fix);
  }
}

/** `aegis doctor`'s exit code: 1 when any check failed; warnings alone exit 0. */
export function exitCodeOf(results: readonly CheckResult[]): 0 | 1 {
  return results.some((r) => r.status === 'fail') ? 1 : 0;
}

/** The worst status of a report. */
export function worstOf(results: readonly CheckResult[]): CheckStatus {
  if (results.some((r) => r.status === 'fail')) return 'fail';
  return results.some((r) => r.status === 'warn') ? 'warn' : 'ok';
}

/** `3000` → `3 s`, `250` → `250 ms`. */
export function formatMs(ms: number): string {
  return Math.abs(ms) >= 1000 ? `${Number((ms / 1000).toFixed(1))} s` : `${Math.round(ms)} ms`;
}

/** `5368709120` → `5.0 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
