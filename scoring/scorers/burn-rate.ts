import { InputError } from '../../core/errors.ts';

/** The rolling windows an SLO's counts come in: the burn-rate windows plus the SLO's own window. */
export type WindowName = '5m' | '30m' | '1h' | '2h' | '6h' | '1d' | '3d' | 'slo';

/** Good and total over one window: events for Occurrences SLOs, time slices for Timeslices SLOs. */
export interface EventCounts {
  good: number;
  total: number;
}

/** Length of each burn-rate window, ms (`slo` is the SLO's own window and comes from the SLO). */
export const WINDOW_MS: Record<Exclude<WindowName, 'slo'>, number> = {
  '5m': 5 * 60_000,
  '30m': 30 * 60_000,
  '1h': 3_600_000,
  '2h': 2 * 3_600_000,
  '6h': 6 * 3_600_000,
  '1d': 86_400_000,
  '3d': 3 * 86_400_000,
};

/** Where an alert goes: a page wakes someone, a ticket waits for working hours. */
export type AlertSeverity = 'page' | 'ticket';

/** One multiwindow burn-rate rule: fires when both windows burn faster than `factor`. */
export interface BurnRateRule {
  long: Exclude<WindowName, 'slo'>;
  /** Always long / 12: it makes the alert reset soon after the burn stops. */
  short: Exclude<WindowName, 'slo'>;
  factor: number;
  severity: AlertSeverity;
}

/** The Google SRE Workbook ("Alerting on SLOs", table 5-8) rules for a 30-day SLO: 2 % of the
 *  budget in 1 h or 5 % in 6 h pages; 10 % in 1 d or 10 % in 3 d opens a ticket. */
export const BURN_RATE_RULES: readonly BurnRateRule[] = [
  { long: '1h', short: '5m', factor: 14.4, severity: 'page' },
  { long: '6h', short: '30m', factor: 6, severity: 'page' },
  { long: '1d', short: '2h', factor: 3, severity: 'ticket' },
  { long: '3d', short: '6h', factor: 1, severity: 'ticket' },
];

/** Windows with fewer events than this do not fire a burn-rate rule (low-traffic guard). @default 100 */
export const DEFAULT_MIN_EVENTS = 100;

/** Throws unless `target` is a usable SLO target: strictly between 0 and 1. */
export function assertTarget(target: number, name = 'target'): void {
  if (!(target > 0 && target < 1)) {
    throw new InputError(`${name} must be > 0 and < 1 (got ${target})`);
  }
}

/** Share of good events (or slices), 0–1; null when there were none. */
export function attainment(counts: EventCounts): number | null {
  return counts.total > 0 ? counts.good / counts.total : null;
}

/** How fast the error budget burns: observed error rate / allowed error rate (1 = exactly on budget
 *  over the SLO window); null when the window has no events. */
export function burnRate(counts: EventCounts, target: number): number | null {
  assertTarget(target);
  if (counts.total <= 0) return null;
  return (counts.total - counts.good) / counts.total / (1 - target);
}

/** Share of a window's error budget that `factor` × burn for `longMs` consumes:
 *  14.4 × 1 h / 720 h = 0.02 for a 30-day SLO. */
export function budgetConsumedAt(factor: number, longMs: number, sloWindowMs: number): number {
  return (factor * longMs) / sloWindowMs;
}

/** The error budget over the SLO window. */
export interface ErrorBudget {
  /** Bad events (or slices) the target allows over the counts seen: (1 − target) × total. */
  allowedBad: number;
  /** Bad events (or slices) seen. */
  bad: number;
  /** bad / allowedBad; above 1 the budget is overspent. */
  consumedFraction: number;
  /** 1 − consumedFraction; negative when overspent. */
  remainingFraction: number;
}

/** Error budget of `counts` (normally the `slo` window) against `target`; null without events. */
export function errorBudget(counts: EventCounts, target: number): ErrorBudget | null {
  assertTarget(target);
  if (counts.total <= 0) return null;
  const allowedBad = (1 - target) * counts.total;
  const bad = counts.total - counts.good;
  const consumedFraction = bad / allowedBad;
  return { allowedBad, bad, consumedFraction, remainingFraction: 1 - consumedFraction };
}

/** Why a rule is in the state it is in. */
export type BurnRateAlertState = 'firing' | 'ok' | 'insufficient-traffic' | 'no-data';

/** One rule evaluated on one SLO's windows. */
export interface BurnRateAlert extends BurnRateRule {
  /** `1h/5m`. */
  rule: string;
  longBurn: number | null;
  shortBurn: number | null;
  longEvents: number;
  shortEvents: number;
  firing: boolean;
  state: BurnRateAlertState;
}

/** Options of `burnRateAlerts`. */
export interface BurnRateAlertOptions {
  /** A window with fewer events cannot fire its rule; 0 disables the guard. @default 100 */
  minEvents?: number;
  rules?: readonly BurnRateRule[];
}

/** Evaluates the multiwindow multi-burn-rate rules: a rule fires only when both its long and its
 *  short window burn faster than its factor and both hold at least `minEvents` events. */
export function burnRateAlerts(
  windows: Partial<Record<WindowName, EventCounts>>,
  target: number,
  options: BurnRateAlertOptions = {},
): BurnRateAlert[] {
  assertTarget(target);
  const minEvents = options.minEvents ?? DEFAULT_MIN_EVENTS;
  return (options.rules ?? BURN_RATE_RULES).map((rule) => {
    const long = windows[rule.long] ?? { good: 0, total: 0 };
    const short = windows[rule.short] ?? { good: 0, total: 0 };
    const longBurn = burnRate(long, target);
    const shortBurn = burnRate(short, target);
    let state: BurnRateAlertState;
    if (longBurn === null || shortBurn === null) state = 'no-data';
    else if (long.total < minEvents || short.total < minEvents) state = 'insufficient-traffic';
    // Strictly greater: at exactly the factor the budget lasts exactly as the rule allows.
    else state = longBurn > rule.factor && shortBurn > rule.factor ? 'firing' : 'ok';
    return {
      ...rule,
      rule: `${rule.long}/${rule.short}`,
      longBurn,
      shortBurn,
      longEvents: long.total,
      shortEvents: short.total,
      firing: state === 'firing',
      state,
    };
  });
}
