import type { z } from 'zod';
import { recordSchemas, type TelemetryKind, type TelemetryRecord } from '../../schemas/index.ts';
import type { ParseOutcome, Rejection } from './types.ts';

/** An empty outcome to fill. */
export function emptyOutcome<K extends TelemetryKind>(kind: K): ParseOutcome<K> {
  return { kind, records: [], rejected: [], skipped: {} };
}

/** Validates one candidate record against its kind's schema; on failure pushes one Rejection per
 *  problem onto `outcome.rejected` (first issue named, the rest summarised) and returns false. */
export function acceptRecord<K extends TelemetryKind>(
  outcome: ParseOutcome<K>,
  candidate: unknown,
  location: string,
): boolean {
  const result = (recordSchemas[outcome.kind] as z.ZodType).safeParse(candidate);
  if (result.success) {
    outcome.records.push(result.data as TelemetryRecord<K>);
    return true;
  }
  outcome.rejected.push(rejectionFromZod(result.error, location));
  return false;
}

/** Turns a zod error into a Rejection naming the first bad field. */
export function rejectionFromZod(error: z.ZodError, location: string): Rejection {
  const [first, ...rest] = error.issues;
  const field = first?.path.join('.') || undefined;
  const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length > 1 ? 's' : ''})` : '';
  return {
    location,
    ...(field ? { field } : {}),
    reason: `${field ? `${field} ` : ''}${first?.message ?? 'is invalid'}${more}`,
  };
}

/** Counts one skipped item under `reason`. */
export function skip(outcome: ParseOutcome, reason: string, count = 1): void {
  outcome.skipped[reason] = (outcome.skipped[reason] ?? 0) + count;
}

/** Decodes UTF-8 strictly: invalid bytes are an error rather than silently replaced. */
export function decodeUtf8(input: Buffer): string {
  const text = new TextDecoder('utf-8', { fatal: true }).decode(input);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
