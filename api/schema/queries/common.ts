import { type GraphQLResolveInfo, Kind, type SelectionSetNode } from 'graphql';
import { InputError } from '../../../core/errors.ts';

/** Default span of a time-range argument when `from` is not given: the last 7 days. */
export const DEFAULT_RANGE_MS = 7 * 86_400_000;
/** Longest time range any read answers (the rollups keep about 400 days). */
export const MAX_RANGE_MS = 400 * 86_400_000;

/** A checked half-open time range [fromMs, toMs), epoch ms. */
export interface TimeRange {
  fromMs: number;
  toMs: number;
}

/** `from`/`to` arguments as a range: `to` defaults to now, `from` to `to - defaultMs`; `from` must be
 *  before `to` and the span at most `maxMs`. */
export function timeRange(
  from: Date | null | undefined,
  to: Date | null | undefined,
  nowMs: number,
  defaultMs = DEFAULT_RANGE_MS,
  maxMs = MAX_RANGE_MS,
): TimeRange {
  const toMs = to ? to.getTime() : nowMs;
  const fromMs = from ? from.getTime() : toMs - defaultMs;
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) {
    throw new InputError('from and to must be valid date-times', { location: 'from' });
  }
  if (fromMs >= toMs) {
    throw new InputError(
      `from must be before to (got ${new Date(fromMs).toISOString()} >= ${new Date(toMs).toISOString()})`,
      { location: 'from' },
    );
  }
  if (toMs - fromMs > maxMs) {
    throw new InputError(
      `to - from must be at most ${Math.round(maxMs / 86_400_000)} days (got ${((toMs - fromMs) / 86_400_000).toFixed(1)})`,
      { location: 'from' },
    );
  }
  return { fromMs, toMs };
}

/** Epoch ms as a Date, keeping null. */
export const dateOf = (ms: number | string | null | undefined): Date | null =>
  ms === null || ms === undefined ? null : new Date(Number(ms));

/** A number from a row (64-bit integers may come back as strings from a server), keeping null. */
export const numOrNull = (v: unknown): number | null =>
  v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v);

/** A JSON column parsed, or `fallback` when it is not JSON (never fails a whole page over one row). */
export function parseJson<T>(text: string, fallback: T): T {
  // An empty column (not read, or never set) is common: throwing and catching per row is not cheap.
  if (text === '') return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** Whether the field being resolved selects any of `names` directly (through fragments too), so a
 *  resolver can skip reading heavy columns nobody asked for. */
export function selects(info: GraphQLResolveInfo, ...names: string[]): boolean {
  const wanted = new Set(names);
  const visit = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).some((s) => {
      if (s.kind === Kind.FIELD) return wanted.has(s.name.value);
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet);
      return visit(info.fragments[s.name.value]?.selectionSet);
    });
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}
