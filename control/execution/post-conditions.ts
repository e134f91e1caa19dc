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
  const checks = createTypeChecks(warehouse);
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

/** Telemetry newer than this after the execution counts as fresh: the metric grid is one minute. */
const SETTLE_MS = 60_000;
/** Utilisation at or above which a rightsized resource counts as overloaded. */
const OVERLOADED = 0.9;

const pending = (what: string): Verdict => ({ status: 'pending', detail: `no fresh ${what} since the execution` });

/** What each action type should have changed, read from the raw telemetry newer than the execution. */
function createTypeChecks(warehouse: Warehouse): Record<string, TypeCheck> {
  /** Mean of a service metric (optionally one resource's) in [fromMs, toMs), with its point count. */
  async function meanOf(service: string, name: string, fromMs: number, toMs: number, resourceId?: string) {
    const [row] = await warehouse.query<{ n: number; mean: number | null; peak: number | null }>(
      `SELECT count() AS n, avgOrNull(value) AS mean, maxOrNull(value) AS peak FROM metrics
       WHERE service = {service:String} AND name = {name:String}
         AND ts >= fromUnixTimestamp64Milli({fromMs:Int64}) AND ts < fromUnixTimestamp64Milli({toMs:Int64})
         AND ({rid:String} = '' OR labels['resource_id'] = {rid:String})`,
      { service, name, fromMs, toMs, rid: resourceId ?? '' },
    );
    return { n: Number(row?.n ?? 0), mean: row?.mean ?? null, peak: row?.peak ?? null };
  }
  /** Increase of a service's counter over [fromMs, toMs), summed over its series. */
  async function increaseOf(service: string, name: string, fromMs: number, toMs: number) {
    const [row] = await warehouse.query<{ n: number; inc: number }>(
      `SELECT sum(points) AS n, sum(inc) AS inc FROM (
         SELECT count() AS points, greatest(max(value) - min(value), 0) AS inc FROM metrics
         WHERE service = {service:String} AND name = {name:String}
           AND ts >= fromUnixTimestamp64Milli({fromMs:Int64}) AND ts < fromUnixTimestamp64Milli({toMs:Int64})
         GROUP BY labels)`,
      { service, name, fromMs, toMs },
    );
    return { n: Number(row?.n ?? 0), inc: Number(row?.inc ?? 0) };
  }
  /** Access events since `fromMs`: all of them, and the principal's matching `where`. */
  async function accessSince(principal: string, fromMs: number, where: string) {
    const [row] = await warehouse.query<{ all: number; hits: number }>(
      `SELECT count() AS all, countIf(principal = {principal:String} AND ${where}) AS hits FROM access
       WHERE ts >= fromUnixTimestamp64Milli({fromMs:Int64})`,
      { principal, fromMs },
    );
    return { all: Number(row?.all ?? 0), hits: Number(row?.hits ?? 0) };
  }

  return {
    async scale_up(view, startedAtMs, nowMs) {
      const before = await meanOf(view.service, 'saturation', startedAtMs - 30 * 60_000, startedAtMs);
      const after = await meanOf(view.service, 'saturation', startedAtMs + SETTLE_MS, nowMs + 1);
      if (after.n === 0 || after.mean === null) return pending('saturation');
      if (before.mean !== null && after.mean >= before.mean) {
        return {
          status: 'unmet',
          detail: `saturation did not drop: ${fmt(before.mean)} before, ${fmt(after.mean)} after`,
        };
      }
      return { status: 'met', detail: `saturation ${fmt(before.mean)} → ${fmt(after.mean)}` };
    },
    async rightsize(view, startedAtMs, nowMs) {
      const rid = view.target.resourceId ?? '';
      const cpu = await meanOf(view.service, 'cpu_utilization', startedAtMs + SETTLE_MS, nowMs + 1, rid);
      const mem = await meanOf(view.service, 'memory_utilization', startedAtMs + SETTLE_MS, nowMs + 1, rid);
      if (cpu.n === 0 && mem.n === 0) return pending(`utilisation of ${view.target.name}`);
      const peak = Math.max(cpu.peak ?? 0, mem.peak ?? 0);
      if (peak >= OVERLOADED) {
        return {
          status: 'unmet',
          detail: `${view.target.name} is overloaded after the rightsize: peak utilisation ${fmt(peak)}`,
        };
      }
      return { status: 'met', detail: `${view.target.name} peaks at ${fmt(peak)} utilisation after the rightsize` };
    },
    async stop_idle(view, startedAtMs, nowMs) {
      const rid = view.target.resourceId ?? '';
      // Fresh telemetry of the service, and none from the stopped resource.
      const service = await meanOf(view.service, 'saturation', startedAtMs + SETTLE_MS, nowMs + 1);
      if (service.n === 0) return pending(`telemetry of ${view.service}`);
      const own = await meanOf(view.service, 'cpu_utilization', startedAtMs + SETTLE_MS, nowMs + 1, rid);
      if (own.n > 0)
        return { status: 'unmet', detail: `${view.target.name} still reports utilisation after it was stopped` };
      return { status: 'met', detail: `${view.target.name} reports no utilisation since it was stopped` };
    },
    async revoke_access(view, startedAtMs) {
      const p = view.target.resourceId ?? view.target.name;
      const seen = await accessSince(p, startedAtMs + SETTLE_MS, "result = 'success'");
      if (seen.all === 0) return pending('access events');
      if (seen.hits > 0)
        return { status: 'unmet', detail: `${p} still succeeded ${seen.hits} time(s) after the revocation` };
      return { status: 'met', detail: `no successful access by ${p} since the revocation` };
    },
    async enforce_mfa(view, startedAtMs) {
      const p = view.target.resourceId ?? view.target.name;
      const seen = await accessSince(p, startedAtMs + SETTLE_MS, 'privileged AND mfa = false');
      if (seen.all === 0) return pending('access events');
      if (seen.hits > 0)
        return { status: 'unmet', detail: `${p} used privileges without MFA ${seen.hits} time(s) after enforcement` };
      return { status: 'met', detail: `no privileged access without MFA by ${p} since enforcement` };
    },
    async rollback_change(view, startedAtMs, nowMs) {
      const ratio = async (from: number, to: number) => {
        const [errors, total] = await Promise.all([
          increaseOf(view.service, 'http_request_errors_total', from, to),
          increaseOf(view.service, 'http_requests_total', from, to),
        ]);
        return { n: total.n, value: total.inc > 0 ? errors.inc / total.inc : null };
      };
      const before = await ratio(startedAtMs - 30 * 60_000, startedAtMs);
      const after = await ratio(startedAtMs + SETTLE_MS, nowMs + 1);
      if (after.n < 2 || after.value === null) return pending('request counts');
      if (before.value !== null && after.value > before.value && after.value > 0.001) {
        return {
          status: 'unmet',
          detail: `error ratio rose after the rollback: ${pct(before.value)} → ${pct(after.value)}`,
        };
      }
      return { status: 'met', detail: `error ratio ${pct(before.value)} → ${pct(after.value)}` };
    },
  };
}

const pct = (n: number | null) => (n === null ? 'n/a' : `${(n * 100).toFixed(2)} %`);
