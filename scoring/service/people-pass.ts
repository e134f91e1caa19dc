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
 *  recommended for. Corrections come from the control layer; until it records actions they are
 *  reported as no data. */
export async function operationsStep(
  wh: Warehouse,
  nowMs: number,
  days: number,
  changes: readonly ServiceChange[],
): Promise<{ score: Score; incidents: IncidentTimes[]; changeFailureRate: number | null }> {
  const fromMs = nowMs - days * DAY_MS;
  const rows = await wh.query<{ started: number; opened: number; resolved: number | null }>(
    `SELECT toUnixTimestamp64Milli(started_at) AS started, toUnixTimestamp64Milli(opened_at) AS opened,
       toUnixTimestamp64Milli(resolved_at) AS resolved
     FROM insights FINAL
     WHERE kind IN ('slo_burn', 'anomaly_cluster') AND opened_at >= {from:DateTime64(3, 'UTC')}`,
    { from: fromMs },
  );
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
      corrections: null,
      incidents: incidents.length > 0 ? incidents : null,
      changes:
        changes.length > 0
          ? { deploys: changes.length, failed: Math.min(changes.length, Number(failed?.n ?? 0)) }
          : null,
      sources: {
        incidents: { table: 'insights', filter: { kind: 'slo_burn,anomaly_cluster' } },
        changes: { table: 'access', filter: { action: 'deploy actions' } },
      },
    },
    { nowMs },
  );
  const failedChanges = Number(failed?.n ?? 0);
  return {
    score,
    incidents,
    changeFailureRate: changes.length > 0 ? Math.min(1, failedChanges / changes.length) : null,
  };
}
