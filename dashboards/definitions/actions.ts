import type { DashboardSpec } from '../model.ts';
import { when } from './filters.ts';

const events = `FROM action_events
WHERE $__timeFilter(ts) AND ${when('team', 'team')} AND ${when('service', 'service')}`;

const ms = (expr: string) => `toUnixTimestamp64Milli(${expr})`;

// The audit log is one chain for the whole platform: no team, service or environment to filter on.
const AUDIT_NOTE = 'The whole chain: audit records carry no team, service or environment.';

/** Actions & audit: decisions, approvals, executions, rollbacks and the audit chain's integrity. */
export const actions: DashboardSpec = {
  uid: 'aegis-actions',
  title: 'AEGIS · Actions & audit',
  description:
    'Policy decisions by effect, approval latency, executions and rollbacks, and the continuity of the signed audit log.',
  tags: ['actions', 'audit'],
  items: [
    { row: 'Actions' },
    {
      title: 'Actions',
      type: 'stat',
      description: 'Actions proposed, executed, succeeded, failed and rolled back in the time range.',
      sql: `SELECT uniqExactIf(action_id, event = 'proposed') AS proposed, uniqExactIf(action_id, event = 'started') AS executed,
  uniqExactIf(action_id, event = 'succeeded') AS succeeded, uniqExactIf(action_id, event = 'failed') AS failed,
  uniqExactIf(action_id, event = 'rolled_back') AS rolled_back
${events}`,
      width: 12,
    },
    {
      title: 'Approval latency',
      type: 'stat',
      description:
        'From the policy decision asking for approval to the vote that approved, over the actions approved in the range.',
      sql: `SELECT quantileExact(0.5)(latency_s) AS p50, quantileExact(0.9)(latency_s) AS p90, max(latency_s) AS slowest
FROM (
  SELECT action_id, (${ms("minIf(ts, state = 'approved')")} - ${ms("minIf(ts, state = 'pending_approval')")}) / 1000 AS latency_s
  ${events}
  GROUP BY action_id
  HAVING countIf(state = 'pending_approval') > 0 AND countIf(state = 'approved') > 0
)`,
      unit: 's',
      width: 6,
    },
    {
      title: 'Decisions by effect',
      type: 'piechart',
      description: 'Policy decisions on proposed actions: allow, require_approval or deny.',
      sql: `SELECT JSONExtractString(data, 'decision', 'effect') AS effect, count() AS decisions
${events} AND event = 'decided'
GROUP BY effect
ORDER BY decisions DESC`,
      width: 6,
      height: 8,
    },
    {
      title: 'Action events per interval',
      type: 'timeseries',
      description: 'What happened to actions: proposals, decisions, votes, executions, results.',
      sql: `SELECT $__timeInterval(ts) AS time, event AS step, count() AS action_event_count
${events}
GROUP BY time, step
ORDER BY time`,
      width: 12,
    },
    {
      title: 'Decisions',
      type: 'table',
      description: 'Each policy decision with the rules it matched and the automation level.',
      sql: `SELECT ts, action_id, type, service, team, JSONExtractString(data, 'decision', 'effect') AS effect,
  arrayStringConcat(JSONExtract(data, 'decision', 'matched', 'Array(String)'), ', ') AS matched_rules,
  JSONExtractString(data, 'automation') AS automation
${events} AND event = 'decided'
ORDER BY ts DESC
LIMIT 50`,
      width: 12,
    },
    {
      title: 'Executions',
      type: 'table',
      description: 'Actions executed in the range: when they started, how long they took, and where they stand.',
      sql: `SELECT action_id, any(type) AS action_type, any(service) AS service_name, any(team) AS team_name,
  any(target) AS target_name, minIf(ts, event = 'started') AS started_at,
  (${ms("maxIf(ts, event IN ('succeeded', 'failed'))")} - ${ms("minIf(ts, event = 'started')")}) / 1000 AS duration_s,
  argMax(state, seq) AS current_state
${events}
GROUP BY action_id
HAVING countIf(event = 'started') > 0
ORDER BY started_at DESC
LIMIT 50`,
    },
    {
      title: 'Rollbacks',
      type: 'table',
      description: 'Actions rolled back after their post-condition failed.',
      sql: `SELECT ts, action_id, type, service, team, actor, JSONExtractString(data, 'reason') AS reason
${events} AND event = 'rolled_back'
ORDER BY ts DESC
LIMIT 50`,
    },
    { row: 'Audit log integrity' },
    {
      title: 'Audit chain',
      type: 'stat',
      description: `Latest sequence number, records, and sequence numbers missing or repeated since seq 1. ${AUDIT_NOTE}`,
      sql: `SELECT max(seq) AS head_seq, count() AS audit_records, max(seq) - uniqExact(seq) AS missing_seqs,
  count() - uniqExact(seq) AS repeated_seqs
FROM audit_log`,
      width: 12,
    },
    {
      title: 'Chain links in range',
      type: 'stat',
      description: `Within the range: records whose prev_hash is not the previous record's hash, and gaps in seq. Signatures are checked by aegis audit verify. ${AUDIT_NOTE}`,
      sql: `SELECT countIf(rn > 1 AND prev_hash != previous_hash) AS broken_links, countIf(rn > 1 AND seq != previous_seq + 1) AS seq_gaps
FROM (
  SELECT seq, prev_hash,
    lagInFrame(hash) OVER (ORDER BY seq ASC ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous_hash,
    lagInFrame(seq) OVER (ORDER BY seq ASC ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS previous_seq,
    row_number() OVER (ORDER BY seq ASC) AS rn
  FROM audit_log
  WHERE $__timeFilter(ts)
)`,
      baseColor: 'green',
      thresholds: [{ value: 1, color: 'red' }],
      width: 12,
    },
    {
      title: 'Audit records per kind',
      type: 'bargauge',
      description: `Records in the range by kind. ${AUDIT_NOTE}`,
      sql: `SELECT kind, count() AS audit_records
FROM audit_log
WHERE $__timeFilter(ts)
GROUP BY kind
ORDER BY audit_records DESC`,
      width: 12,
    },
    {
      title: 'Audit records per interval',
      type: 'timeseries',
      description: `Records appended per interval, by kind. ${AUDIT_NOTE}`,
      sql: `SELECT $__timeInterval(ts) AS time, kind, count() AS audit_records
FROM audit_log
WHERE $__timeFilter(ts)
GROUP BY time, kind
ORDER BY time`,
      width: 12,
    },
    {
      title: 'Latest audit records',
      type: 'table',
      description: `The newest records in the range. ${AUDIT_NOTE}`,
      sql: `SELECT seq, ts, kind, actor, subject, key_id, substring(hash, 1, 16) AS hash_prefix
FROM audit_log
WHERE $__timeFilter(ts)
ORDER BY seq DESC
LIMIT 50`,
    },
  ],
};
