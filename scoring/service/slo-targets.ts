import type { SloDefinition, SloMetric, SloWindow } from '../catalog/index.ts';
import type { SliSpec, SliTarget } from '../sli/index.ts';

/** One computable objective of an SLO: the SLI reader's target plus what the scorers need. */
export interface ObjectiveTarget extends SliTarget {
  definition: SloDefinition;
  target: number;
  windowMs: number;
  budgeting: 'Occurrences' | 'Timeslices';
}

const MINUTE_MS = 60_000;

/** Start of the SLO's current window: rolling, now − duration; calendar, the start of the period
 *  holding now, stepping by whole units from the SLO's `startTime`. */
export function windowStart(window: SloWindow, nowMs: number): number {
  if (window.kind === 'rolling') return nowMs - window.durationMs;
  const step = (from: number, n: number): number => {
    const d = new Date(from);
    const k = window.count * n;
    switch (window.unit) {
      case 'M':
        return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + k, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
      case 'Q':
        return Date.UTC(
          d.getUTCFullYear(),
          d.getUTCMonth() + 3 * k,
          d.getUTCDate(),
          d.getUTCHours(),
          d.getUTCMinutes(),
        );
      case 'Y':
        return Date.UTC(d.getUTCFullYear() + k, d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes());
      default:
        return from + k * window.durationMs;
    }
  };
  if (window.startMs > nowMs) return window.startMs;
  // Jump close with the nominal length, then walk to the exact period boundary.
  let n = Math.max(0, Math.floor((nowMs - window.startMs) / window.durationMs) - 1);
  while (step(window.startMs, n + 1) <= nowMs) n++;
  return step(window.startMs, n);
}

const metricRef = (m: SloMetric) => (m.source === 'aegis' ? { name: m.metric, labels: m.labels } : null);

/** The computable objectives of the SLOs: one target per objective (named `slo` when the SLO has
 *  one objective, `slo/objective` otherwise). SLIs on external metric sources are skipped and
 *  reported, since AEGIS holds no data for them. RatioTimeslices is counted as Occurrences over the
 *  same events, which is what the ratio of summed slices amounts to. */
export function objectiveTargets(
  slos: readonly SloDefinition[],
  nowMs: number,
): { targets: ObjectiveTarget[]; skipped: { slo: string; reason: string }[] } {
  const targets: ObjectiveTarget[] = [];
  const skipped: { slo: string; reason: string }[] = [];
  for (const slo of slos) {
    const ind = slo.indicator;
    const budgeting = slo.budgeting === 'Timeslices' ? 'Timeslices' : 'Occurrences';
    slo.objectives.forEach((o, i) => {
      const name = slo.objectives.length === 1 ? slo.name : `${slo.name}/${o.displayName || i}`;
      const sliceMinutes = Math.max(1, Math.round((o.timeSliceWindowMs ?? MINUTE_MS) / MINUTE_MS));
      const sliceTarget = o.timeSliceTarget ?? 1;
      let sli: SliSpec | null = null;
      if (ind.kind === 'ratio') {
        const num = metricRef(ind.numerator);
        const total = metricRef(ind.total);
        if (num && total) {
          sli = {
            kind: 'ratio',
            ...(ind.counts === 'good' ? { good: num } : { bad: num }),
            total,
            budgeting,
            sliceMinutes,
            sliceTarget,
          };
        }
      } else {
        const metric = metricRef(ind.metric);
        if (metric && o.op !== null && o.value !== null) {
          sli = { kind: 'threshold', metric, op: o.op, value: o.value, budgeting, sliceMinutes, sliceTarget };
        }
      }
      if (!sli) {
        skipped.push({ slo: name, reason: 'its indicator reads an external metric source AEGIS has no data for' });
        return;
      }
      targets.push({
        slo: name,
        service: slo.service,
        sli,
        windowStartMs: windowStart(slo.window, nowMs),
        definition: slo,
        target: o.target,
        windowMs: slo.window.durationMs,
        budgeting,
      });
    });
  }
  return { targets, skipped };
}
