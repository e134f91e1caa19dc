import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import { shapeKey, shapeParams, sliQuery } from './sql.ts';
import type { SliCounts, SliSubject } from './types.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** The windows burn-rate alerting and the SLO itself are judged over. */
export const SLI_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d', 'slo'] as const;
/** One of {@link SLI_WINDOWS}. */
export type SliWindow = (typeof SLI_WINDOWS)[number];
/** Counts per window of one SLO. */
export type SliWindows = Record<SliWindow, SliCounts>;

/** Windows read live from minute rollups, and their length. */
const LIVE: [SliWindow, number][] = [
  ['5m', 5 * MINUTE_MS],
  ['30m', 30 * MINUTE_MS],
  ['1h', HOUR_MS],
  ['2h', 2 * HOUR_MS],
  ['6h', 6 * HOUR_MS],
];
/** Windows of days: closed hours from `slo_sli_1h` plus the current hour read live. */
const DAYS: [SliWindow, number][] = [
  ['1d', 24 * HOUR_MS],
  ['3d', 72 * HOUR_MS],
];

const LONGEST_DAYS_MS = 72 * HOUR_MS;

/** An SLO with the start of its own window (rolling: now − duration; calendar: period start). */
export interface SliTarget extends SliSubject {
  windowStartMs: number;
}

/** Options of {@link readSliWindows}. */
export interface ReadSliOptions {
  nowMs: number;
  /** Closed hours recomputed every pass, for data that arrives late. @default 3 */
  recomputeHours?: number;
}

interface Row {
  service: string;
  key?: number;
  good: number | number[];
  total: number | number[];
}

/** Groups SLOs whose indicators share a shape, so each shape is one query over its services. */
function byShape(targets: readonly SliTarget[]): SliTarget[][] {
  const groups = new Map<string, SliTarget[]>();
  for (const t of targets) {
    const key = shapeKey(t.sli);
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups.values()];
}

/** Parameters common to a shape group: its services, and per-service thresholds. */
function groupParams(group: SliTarget[], fromMs: number, toMs: number): Record<string, unknown> {
  const first = group[0] as SliTarget;
  const thresholds = group.flatMap((t) => (t.sli.kind === 'threshold' ? [[t.service, t.sli.value] as const] : []));
  return {
    ...shapeParams(first.sli),
    services: group.map((t) => t.service),
    from: Math.floor(fromMs / 1000),
    to: Math.floor(toMs / 1000),
    ...(first.sli.kind === 'threshold'
      ? { thrServices: thresholds.map(([svc]) => svc), thrValues: thresholds.map(([, v]) => v) }
      : {}),
  };
}

/** Brings `slo_sli_1h` up to date: hours an SLO has never had are computed back to its window
 *  start, and the last `recomputeHours` closed hours are recomputed for late data. Hours without
 *  data are stored as zero so that coverage is known. */
export async function refreshHourlySli(wh: Warehouse, targets: readonly SliTarget[], options: ReadSliOptions) {
  const currentHour = Math.floor(options.nowMs / HOUR_MS) * HOUR_MS;
  const recompute = (options.recomputeHours ?? 3) * HOUR_MS;
  const covered = new Map<string, number>();
  // SLOs whose last closed hour was computed after it closed: nothing new to recompute before the
  // next hour closes (late data is caught then, within `recomputeHours`).
  const fresh = new Set<string>();
  const lastClosed = currentHour - HOUR_MS;
  if (targets.length > 0) {
    const rows = await wh.query<{ slo: string; first: number; last_computed: number }>(
      `SELECT slo, toUnixTimestamp(min(hour)) * 1000 AS first,
         toUnixTimestamp64Milli(maxIf(computed_at, hour = {lastClosed:DateTime('UTC')})) AS last_computed
       FROM slo_sli_1h WHERE slo IN {slos:Array(String)} GROUP BY slo`,
      { slos: targets.map((t) => t.slo), lastClosed: lastClosed / 1000 },
    );
    for (const r of rows) {
      covered.set(r.slo, Number(r.first));
      if (Number(r.last_computed) >= currentHour) fresh.add(r.slo);
    }
  }
  let written = 0;
  for (const group of byShape(targets)) {
    const starts = group.map((t) => {
      // The 3-day burn window needs its hours even when the SLO's own window is shorter.
      const windowStart = Math.floor(Math.min(t.windowStartMs, currentHour - LONGEST_DAYS_MS) / HOUR_MS) * HOUR_MS;
      const first = covered.get(t.slo);
      if (first === undefined || first > windowStart) return windowStart;
      return fresh.has(t.slo) ? currentHour : currentHour - recompute;
    });
    const fromMs = Math.max(0, Math.min(...starts));
    if (fromMs >= currentHour) continue;
    const rows = await wh.query<Row>(sliQuery(group[0]!.sli, { by: 'hour' }), groupParams(group, fromMs, currentHour));
    const found = new Map<string, SliCounts>();
    for (const r of rows) found.set(`${r.service}|${r.key}`, { good: Number(r.good), total: Number(r.total) });
    const out: object[] = [];
    const computedAt = options.nowMs;
    for (const t of group) {
      for (let h = fromMs; h < currentHour; h += HOUR_MS) {
        const c = found.get(`${t.service}|${h}`) ?? { good: 0, total: 0 };
        out.push({ slo: t.slo, hour: h / 1000, good: c.good, total: c.total, computed_at: computedAt });
      }
    }
    if (out.length > 0) written += (await wh.insert('slo_sli_1h', toJsonEachRow(out))).rows;
  }
  return { hoursWritten: written };
}

const zero = (): SliCounts => ({ good: 0, total: 0 });

/** Counts per window for each SLO: short windows from minute rollups, windows of days (aligned to
 *  whole hours) from `slo_sli_1h` plus the current hour. Call {@link refreshHourlySli} first. */
export async function readSliWindows(
  wh: Warehouse,
  targets: readonly SliTarget[],
  options: ReadSliOptions,
): Promise<Map<string, SliWindows>> {
  const now = options.nowMs;
  const currentHour = Math.floor(now / HOUR_MS) * HOUR_MS;
  const out = new Map<string, SliWindows>();
  for (const t of targets) {
    out.set(t.slo, Object.fromEntries(SLI_WINDOWS.map((w) => [w, zero()])) as SliWindows);
  }
  if (targets.length === 0) return out;
  // Live: the short windows and the current, unclosed hour.
  const liveStarts = [...LIVE.map(([, ms]) => now - ms), currentHour];
  const fromMs = Math.min(...liveStarts);
  for (const group of byShape(targets)) {
    const params = { ...groupParams(group, fromMs, now), starts: liveStarts.map((s) => Math.floor(s / 1000)) };
    const rows = await wh.query<Row>(sliQuery(group[0]!.sli, { by: 'since', startsParam: 'starts' }), params);
    const byService = new Map(rows.map((r) => [r.service, r]));
    for (const t of group) {
      const r = byService.get(t.service);
      if (!r) continue;
      const w = out.get(t.slo)!;
      const good = r.good as number[];
      const total = r.total as number[];
      LIVE.forEach(([name], i) => {
        w[name] = { good: Number(good[i]), total: Number(total[i]) };
      });
      // The current hour counts towards every window of days.
      const i = LIVE.length;
      for (const name of ['1d', '3d', 'slo'] as const) w[name] = { good: Number(good[i]), total: Number(total[i]) };
    }
  }
  // Closed hours of the windows of days.
  const sloStarts = targets.map((t) => Math.floor(t.windowStartMs / HOUR_MS) * (HOUR_MS / 1000));
  const dayStarts = DAYS.map(([, ms]) => Math.floor((now - ms) / HOUR_MS) * HOUR_MS);
  const earliest = Math.min(...dayStarts, ...targets.map((t) => t.windowStartMs));
  const rows = await wh.query<{ slo: string; good: number[]; total: number[] }>(
    `SELECT slo,
       [sumIf(good, hour >= {d1:DateTime('UTC')}), sumIf(good, hour >= {d3:DateTime('UTC')}),
        sumIf(good, hour >= transform(slo, {slos:Array(String)}, {sloStarts:Array(DateTime('UTC'))}, toDateTime(0, 'UTC')))] AS good,
       [sumIf(total, hour >= {d1:DateTime('UTC')}), sumIf(total, hour >= {d3:DateTime('UTC')}),
        sumIf(total, hour >= transform(slo, {slos:Array(String)}, {sloStarts:Array(DateTime('UTC'))}, toDateTime(0, 'UTC')))] AS total
     FROM slo_sli_1h FINAL
     WHERE slo IN {slos:Array(String)} AND hour >= {earliest:DateTime('UTC')} AND hour < {current:DateTime('UTC')}
     GROUP BY slo`,
    {
      slos: targets.map((t) => t.slo),
      d1: dayStarts[0]! / 1000,
      d3: dayStarts[1]! / 1000,
      sloStarts,
      earliest: Math.floor(Math.max(0, earliest) / 1000),
      current: currentHour / 1000,
    },
  );
  for (const r of rows) {
    const w = out.get(r.slo);
    if (!w) continue;
    (['1d', '3d', 'slo'] as const).forEach((name, i) => {
      w[name] = { good: w[name].good + Number(r.good[i]), total: w[name].total + Number(r.total[i]) };
    });
  }
  return out;
}
