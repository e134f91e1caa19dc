import type { Warehouse } from '../../core/warehouse/index.ts';
import type { Catalog } from '../catalog/index.ts';
import { type ChangeEvent, readAccessSummary, readChanges, readUnusedAccess } from '../inputs/access.ts';
import { accessFindings, unusedAccessFindings } from '../insights/access-findings.ts';
import type { ServiceChange } from '../insights/slo-findings.ts';
import type { Finding } from '../insights/types.ts';
import { type IncidentTimes, scoreOperations, scoreSecurity } from '../scorers/index.ts';
import type { Score } from '../types.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Security of the platform's accounts over the last day against the week before, privileged
 *  actions unused for `unusedDays`, and the risky and unused access findings. */
export async function securityStep(
  wh: Warehouse,
  nowMs: number,
  unusedDays: number,
): Promise<{ score: Score; findings: Finding[] }> {
  const window = { baselineFromMs: nowMs - 8 * DAY_MS, recentFromMs: nowMs - DAY_MS, toMs: nowMs };
  const s = await readAccessSummary(wh, window);
  const unused = await readUnusedAccess(wh, nowMs, unusedDays);
  const score = scoreSecurity(
    {
      subject: 'platform',
      scope: 'platform',
      fromMs: s.recentFromMs,
      toMs: s.toMs,
      totalNow: s.events,
      rootEvents: s.root,
      privilegedEvents: s.privileged,
      privilegedWithoutMfa: s.privilegedWithoutMfa,
      deniedNow: s.denied,
      deniedBaseline: s.baselineEvents > 0 ? s.baselineDenied / s.baselineEvents : null,
      newPrincipals: s.newPrincipals,
      ...(unused
        ? {
            grants: unused.principals.map((u) => ({
              principal: u.principal,
              grantedCount: u.exercised,
              unusedActions: u.unusedActions,
            })),
            unusedAfterDays: unusedDays,
          }
        : {}),
    },
    { nowMs },
  );
  const findings = accessFindings(s);
  if (unused)
    findings.push(...unusedAccessFindings(unused.principals, { fromMs: unused.fromMs, toMs: nowMs, unusedDays }));
  return { score, findings };
}

/** The catalogued service a deploy touched: the last path segment of its resource
 *  (`…/deployments/payments-api`, `…:repository/payments-api`). */
export function changedService(c: ChangeEvent, catalog: Catalog): string | undefined {
  const last = c.resource.split(/[/:]/).pop() ?? '';
  return catalog.serviceByName(last)?.name;
}

/** Deploys of the last `days`, attributed to services. */
export async function recentChanges(
  wh: Warehouse,
  catalog: Catalog,
  nowMs: number,
  days: number,
  deployActions: readonly string[],
): Promise<ServiceChange[]> {
  const events = await readChanges(wh, { fromMs: nowMs - days * DAY_MS, toMs: nowMs }, deployActions);
  const out: ServiceChange[] = [];
  for (const e of events) {
    const service = changedService(e, catalog);
    if (service) out.push({ service, atMs: e.atMs, principal: e.principal, action: e.action });
  }
  return out;
}

/** Operations over the last `days`: incidents are the reliability insights (burns and anomaly
 *  clusters) with their onset, opening and resolution; failed changes are those a roll-back was
 *  recommended for. Corrections come from the control layer's action events. */
export async function operationsStep(
  wh: Warehouse,
  nowMs: number,
  days: number,
  changes: readonly ServiceChange[],
): Promise<{
  score: Score;
  incidents: IncidentTimes[];
  changeFailureRate: number | null;
  corrections: Corrections | null;
  approvalLatencyP50Ms: number | null;
}> {
  const fromMs = nowMs - days * DAY_MS;
  const rows = await wh.query<{ started: number; opened: number; resolved: number | null }>(
    `SELECT toUnixTimestamp64Milli(started_at) AS started, toUnixTimestamp64Milli(opened_at) AS opened,
       toUnixTimestamp64Milli(resolved_at) AS resolved
     FROM insights FINAL
     WHERE kind IN ('slo_burn', 'anomaly_cluster') AND opened_at >= {from:DateTime64(3, 'UTC')}`,
    { from: fromMs },
  );
  const actions = await readActionOutcomes(wh, fromMs);
  const incidents: IncidentTimes[] = rows.map((r) => ({
    startMs: Number(r.started),
    detectedMs: Number(r.opened),
    ...(r.resolved === null ? {} : { resolvedMs: Number(r.resolved) }),
  }));
  const [failed] = await wh.query<{ n: number }>(
    `SELECT uniqExact(id) AS n FROM recommendations
     WHERE type = 'rollback_change' AND created_at >= {from:DateTime64(3, 'UTC')}`,
    { from: fromMs },
  );
  const score = scoreOperations(
    {
      subject: 'platform',
      scope: 'platform',
      fromMs,
      toMs: nowMs,
      corrections: actions.corrections,
      incidents: incidents.length > 0 ? incidents : null,
      changes:
        changes.length > 0
          ? { deploys: changes.length, failed: Math.min(changes.length, Number(failed?.n ?? 0)) }
          : null,
      sources: {
        incidents: { table: 'insights', filter: { kind: 'slo_burn,anomaly_cluster' } },
        changes: { table: 'access', filter: { action: 'deploy actions' } },
        corrections: { table: 'action_events', filter: { event: 'started' } },
      },
    },
    { nowMs },
  );
  const failedChanges = Number(failed?.n ?? 0);
  return {
    score,
    incidents,
    changeFailureRate: changes.length > 0 ? Math.min(1, failedChanges / changes.length) : null,
    ...actions,
  };
}

/** Executed actions of a window: by whom they were started (AEGIS itself, or a person or agent) and
 *  how many of AEGIS's were rolled back. */
export interface Corrections {
  automated: number;
  manual: number;
  rolledBack: number;
}

/** What the control layer's action events say about a window: the corrections executed in it, and the
 *  median time from an approval request to its decision. No executed action, no data (null). */
export async function readActionOutcomes(
  wh: Warehouse,
  fromMs: number,
): Promise<{ corrections: Corrections | null; approvalLatencyP50Ms: number | null }> {
  const [row] = await wh.query<{ automated: number; manual: number; rolled_back: number; p50: number | null }>(
    `SELECT
       countIf(started AND starter = 'controller') AS automated,
       countIf(started AND starter != 'controller') AS manual,
       countIf(started AND starter = 'controller' AND last_state = 'rolled_back') AS rolled_back,
       quantileExactIf(0.5)(toUnixTimestamp64Milli(answered) - toUnixTimestamp64Milli(asked), was_asked AND was_answered) AS p50
     FROM (
       SELECT action_id,
         countIf(event = 'started') > 0 AS started,
         argMinIf(actor, seq, event = 'started') AS starter,
         -- Not aliased 'state': the alias would shadow the column in the countIf/minIf below.
         argMax(state, seq) AS last_state,
         countIf(event = 'decided' AND state = 'pending_approval') > 0 AS was_asked,
         minIf(ts, event = 'decided' AND state = 'pending_approval') AS asked,
         countIf(event = 'vote' AND state IN ('approved', 'denied')) > 0 AS was_answered,
         minIf(ts, event = 'vote' AND state IN ('approved', 'denied')) AS answered
       FROM action_events
       WHERE action_id IN (SELECT DISTINCT action_id FROM action_events WHERE ts >= {from:DateTime64(3, 'UTC')})
       GROUP BY action_id)`,
    { from: fromMs },
  );
  const automated = Number(row?.automated ?? 0);
  const manual = Number(row?.manual ?? 0);
  const p50 = row?.p50 === null || row?.p50 === undefined || Number.isNaN(Number(row.p50)) ? null : Number(row.p50);
  return {
    corrections: automated + manual > 0 ? { automated, manual, rolledBack: Number(row?.rolled_back ?? 0) } : null,
    approvalLatencyP50Ms: p50,
  };
}
