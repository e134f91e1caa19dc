import type { Warehouse } from '../../core/warehouse/index.ts';

/** Access activity of a recent window against the baseline before it. */
export interface AccessSummary {
  recentFromMs: number;
  toMs: number;
  baselineFromMs: number;
  events: number;
  denied: number;
  privileged: number;
  privilegedWithoutMfa: number;
  root: number;
  baselineEvents: number;
  baselineDenied: number;
  /** Principals behind root use and privileged actions without MFA in the recent window. */
  rootPrincipals: { principal: string; events: number }[];
  noMfaPrincipals: { principal: string; events: number }[];
  /** Principals first seen in the recent window, when history reaches back past the baseline. */
  newPrincipals: { principal: string; firstSeenMs: number; events: number }[];
  /** Whether the store holds access history back to the baseline start (else "new" means nothing). */
  historyCoversBaseline: boolean;
}

/** The principal an assumed-role session acts as: the role, without the session name (the SQL of
 *  {@link readAccessSummary} applies the same rule). */
export function rolePrincipal(principal: string): string {
  return principal.replace(/^(arn:aws:sts::[0-9]+:assumed-role\/[^/]+)\/.*$/, '$1');
}

/** Summarises `access_1h` for [recentFromMs, toMs) against [baselineFromMs, recentFromMs). */
export async function readAccessSummary(
  wh: Warehouse,
  window: { baselineFromMs: number; recentFromMs: number; toMs: number },
): Promise<AccessSummary> {
  const p = {
    base: Math.floor(window.baselineFromMs / 1000),
    recent: Math.floor(window.recentFromMs / 1000),
    to: Math.ceil(window.toMs / 1000),
  };
  const [totals] = await wh.query<Record<string, number>>(
    `SELECT
       sumIf(events, bucket >= {recent:DateTime('UTC')}) AS n_events,
       sumIf(events, bucket >= {recent:DateTime('UTC')} AND result = 'denied') AS n_denied,
       sumIf(privileged, bucket >= {recent:DateTime('UTC')}) AS n_privileged,
       sumIf(privileged_without_mfa, bucket >= {recent:DateTime('UTC')}) AS n_no_mfa,
       sumIf(root, bucket >= {recent:DateTime('UTC')}) AS n_root,
       sumIf(events, bucket < {recent:DateTime('UTC')}) AS baseline_events,
       sumIf(events, bucket < {recent:DateTime('UTC')} AND result = 'denied') AS baseline_denied
     FROM access_1h
     WHERE bucket >= {base:DateTime('UTC')} AND bucket < {to:DateTime('UTC')}`,
    p,
  );
  // An assumed role's session name changes with every session (a CI run, a login): the principal
  // is the role, or every deploy would look like a new principal.
  const principals = await wh.query<{
    role: string;
    n_root: number;
    no_mfa: number;
    first: number;
    n_events: number;
  }>(
    `SELECT replaceRegexpOne(principal, '^(arn:aws:sts::[0-9]+:assumed-role/[^/]+)/.*$', '\\1') AS role,
       sumIf(root, bucket >= {recent:DateTime('UTC')}) AS n_root,
       sumIf(privileged_without_mfa, bucket >= {recent:DateTime('UTC')}) AS no_mfa,
       toUnixTimestamp(min(bucket)) * 1000 AS first, sumIf(events, bucket >= {recent:DateTime('UTC')}) AS n_events
     FROM access_1h
     WHERE bucket >= {base:DateTime('UTC')} AND bucket < {to:DateTime('UTC')}
     GROUP BY role
     HAVING n_root > 0 OR no_mfa > 0 OR first >= {recent:DateTime('UTC')}
     ORDER BY role`,
    p,
  );
  const [earliest] = await wh.query<{ first: number | null }>(
    'SELECT toUnixTimestamp(min(bucket)) * 1000 AS first FROM access_1h',
  );
  const t = totals ?? {};
  const n = (k: string) => Number(t[k] ?? 0);
  const historyCoversBaseline = earliest?.first != null && Number(earliest.first) <= window.baselineFromMs;
  return {
    ...window,
    events: n('n_events'),
    denied: n('n_denied'),
    privileged: n('n_privileged'),
    privilegedWithoutMfa: n('n_no_mfa'),
    root: n('n_root'),
    baselineEvents: n('baseline_events'),
    baselineDenied: n('baseline_denied'),
    rootPrincipals: principals
      .filter((r) => Number(r.n_root) > 0)
      .map((r) => ({ principal: r.role, events: Number(r.n_root) })),
    noMfaPrincipals: principals
      .filter((r) => Number(r.no_mfa) > 0)
      .map((r) => ({ principal: r.role, events: Number(r.no_mfa) })),
    newPrincipals: historyCoversBaseline
      ? principals
          .filter((r) => Number(r.first) >= window.recentFromMs)
          .map((r) => ({ principal: r.role, firstSeenMs: Number(r.first), events: Number(r.n_events) }))
      : [],
    historyCoversBaseline,
  };
}

/** One deploy seen in the access log. */
export interface ChangeEvent {
  atMs: number;
  principal: string;
  action: string;
  resource: string;
}

/** Deploys in [fromMs, toMs): access events whose action is one of `actions` (image pushes,
 *  rollouts), newest first, at most `limit`. */
export async function readChanges(
  wh: Warehouse,
  window: { fromMs: number; toMs: number },
  actions: readonly string[],
  limit = 10_000,
): Promise<ChangeEvent[]> {
  if (actions.length === 0) return [];
  const rows = await wh.query<{ at: number; principal: string; action: string; resource: string }>(
    `SELECT toUnixTimestamp64Milli(ts) AS at, principal, action, resource
     FROM access
     WHERE ts >= {from:DateTime64(3, 'UTC')} AND ts < {to:DateTime64(3, 'UTC')} AND action IN {actions:Array(String)}
       AND result = 'success'
     ORDER BY ts DESC
     LIMIT {limit:UInt32}`,
    { from: window.fromMs, to: window.toMs, actions, limit },
  );
  return rows.map((r) => ({ atMs: Number(r.at), principal: r.principal, action: r.action, resource: r.resource }));
}

/** Privileged actions a principal exercised in the history but not in the last `unusedDays`: the
 *  access logs' view of granted-but-unused privileges (the IAM grants themselves are not ingested). */
export interface UnusedAccess {
  principal: string;
  /** Distinct privileged actions exercised over the whole history. */
  exercised: number;
  unusedActions: string[];
  lastUsedMs: number;
}

/** Privileged actions per principal and those unused lately (sessions folded into their role;
 *  root left to the root-use finding). Undefined when the history does not reach back past `unusedDays`: with
 *  nothing older, "not used lately" means nothing. */
export async function readUnusedAccess(
  wh: Warehouse,
  nowMs: number,
  unusedDays: number,
  historyDays = 90,
): Promise<{ principals: UnusedAccess[]; fromMs: number } | undefined> {
  const recentFromMs = nowMs - unusedDays * 86_400_000;
  const fromMs = nowMs - historyDays * 86_400_000;
  const [earliest] = await wh.query<{ first: number | null }>(
    "SELECT toUnixTimestamp(min(bucket)) * 1000 AS first FROM access_1h WHERE bucket >= {from:DateTime('UTC')}",
    { from: Math.floor(fromMs / 1000) },
  );
  if (earliest?.first == null || Number(earliest.first) > recentFromMs - 86_400_000) return undefined;
  const rows = await wh.query<{ role: string; exercised: number; unused: string[]; last: number }>(
    `SELECT role, uniqExact(action) AS exercised,
       arraySort(groupUniqArrayIf(action, last_used < {recent:DateTime('UTC')})) AS unused,
       toUnixTimestamp(max(last_used)) * 1000 AS last
     FROM (
       SELECT replaceRegexpOne(principal, '^(arn:aws:sts::[0-9]+:assumed-role/[^/]+)/.*$', '\\1') AS role,
         action, max(bucket) AS last_used
       FROM access_1h
       WHERE bucket >= {from:DateTime('UTC')} AND result = 'success' AND privileged > 0 AND principal_type != 'Root'
       GROUP BY role, action
     )
     GROUP BY role
     ORDER BY role`,
    { from: Math.floor(fromMs / 1000), recent: Math.floor(recentFromMs / 1000) },
  );
  return {
    fromMs: Math.max(fromMs, Number(earliest.first)),
    principals: rows.map((r) => ({
      principal: r.role,
      exercised: Number(r.exercised),
      unusedActions: r.unused,
      lastUsedMs: Number(r.last),
    })),
  };
}
