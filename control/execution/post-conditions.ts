import type { Warehouse } from '../../core/warehouse/index.ts';
import type { BurnState, PlatformState } from '../actions/platform-state.ts';
import type { ActionView } from '../actions/view.ts';

/** A post-condition's verdict: `pending` until fresh telemetry is in. */
export interface Verdict {
  status: 'pending' | 'met' | 'unmet';
  detail: string;
}

/** Checks that an executed action did what it should, against telemetry newer than its execution. */
export interface PostConditions {
  check(view: ActionView, startedAtMs: number, nowMs: number): Promise<Verdict>;
}

/** A check of one action type: what telemetry should show after the change. */
type TypeCheck = (view: ActionView, startedAtMs: number, nowMs: number) => Promise<Verdict>;

/** Post-conditions from ClickHouse: the SLO guard for every action (burn must not rise after it ran),
 *  then the type's own check of the telemetry that the change should have moved. */
export function createPostConditions(params: { warehouse: Warehouse; platform: PlatformState }): PostConditions {
  const { warehouse, platform } = params;
  const checks: Record<string, TypeCheck> = createTypeChecks(warehouse);
  return {
    async check(view, startedAtMs, nowMs) {
      const burnAfter = await platform.burn(view.service);
      if (burnAfter.computedAtMs === null || burnAfter.computedAtMs <= startedAtMs) {
        return { status: 'pending', detail: `no scoring pass of ${view.service} since the execution` };
      }
      const started = view.events.findLast((e) => e.event === 'started');
      const before = (started?.data['burnBefore'] as BurnState | undefined) ?? null;
      const rose = burnRose(before, burnAfter);
      if (rose) return { status: 'unmet', detail: rose };
      const typeCheck = checks[view.type];
      if (!typeCheck) return { status: 'met', detail: `burn did not rise (1h burn ${fmt(burnAfter.burn1h)})` };
      return typeCheck(view, startedAtMs, nowMs);
    },
  };
}

/** Why burn counts as risen after an action, or undefined: the fast-burn alert started firing, or the
 *  1h burn rate more than doubled and is above 1 (spending budget faster than it accrues). */
export function burnRose(before: BurnState | null, after: BurnState): string | undefined {
  if (after.severity === 'page' && before?.severity !== 'page') {
    return `the fast burn-rate alert of the service started firing after the action (1h burn ${fmt(after.burn1h)})`;
  }
  const b = before?.burn1h ?? null;
  const a = after.burn1h;
  if (b !== null && a !== null && a > 1 && a > 2 * Math.max(b, 0.5)) {
    return `the 1h burn rate rose from ${fmt(b)} to ${fmt(a)} after the action`;
  }
  return undefined;
}

const fmt = (n: number | null) => (n === null ? 'n/a' : n.toFixed(2));

function createTypeChecks(_warehouse: Warehouse): Record<string, TypeCheck> {
  return {};
}
