import type { DashboardSpec } from '../model.ts';
import { ACTIONABLE, BUDGET_FROM_COMPONENTS, envOfResource, teamOfService, when } from './filters.ts';

// Daily cost roll-up (SummingMergeTree: always sum). Whole days from the one the range starts in.
const costDays = `FROM cost_1d
WHERE bucket >= toStartOfDay($__fromTime) AND bucket <= $__toTime
  AND ${when('team', 'team')} AND ${when('service', 'service')} AND ${when('environment', 'env')}`;

const recommendations = (type: string) => `FROM recommendations FINAL
WHERE type = '${type}' AND ${ACTIONABLE} AND ${when('team', 'team')} AND ${when('service', 'service')}
  AND ${envOfResource('subject')}`;

const monthEndForecasts = `WHERE f.kind = 'cost' AND f.metric = 'month_end_spend' AND $__timeFilter(f.computed_at) AND ${when('team', 'f.subject')}`;

const teamBudgets = `SELECT computed_at, subject, ${BUDGET_FROM_COMPONENTS} AS budget_usd
  FROM scores
  WHERE dimension = 'cost' AND scope = 'team' AND $__timeFilter(computed_at) AND ${when('team', 'subject')}`;

/** Cost: spend by team, service and category, the month-end forecast against budget, anomalies and waste. */
export const cost: DashboardSpec = {
  uid: 'aegis-cost',
  title: 'AEGIS · Cost',
  description:
    'Spend by team, service and category (FOCUS cost data), month-end forecast against budget, cost anomalies and idle waste.',
  tags: ['cost', 'finops'],
  from: 'now-30d',
  items: [
    { row: 'Spend' },
    {
      title: 'Spend in range',
      type: 'stat',
      description: 'Effective cost of the whole days in the time range.',
      sql: `SELECT sum(EffectiveCost) AS spend
${costDays}`,
      unit: 'currencyUSD',
      width: 6,
    },
    {
      title: 'Untagged spend',
      type: 'stat',
      description: 'Share of the spend carrying no team tag (none once a team is selected).',
      sql: `SELECT if(sum(EffectiveCost) > 0, sumIf(EffectiveCost, team = '') / sum(EffectiveCost), 0) AS untagged_share
${costDays}`,
      unit: 'percentunit',
      width: 6,
      thresholds: [
        { value: 0.05, color: 'orange' },
        { value: 0.2, color: 'red' },
      ],
    },
    {
      title: 'Idle waste',
      type: 'stat',
      description: 'Monthly cost of the idle resources AEGIS recommends stopping (open and held recommendations).',
      sql: `SELECT sum(impact_usd_month) AS idle_usd_per_month
${recommendations('stop_idle')}`,
      unit: 'currencyUSD',
      width: 6,
    },
    {
      title: 'Rightsizing savings',
      type: 'stat',
      description: 'Monthly savings of the open and held rightsizing recommendations.',
      sql: `SELECT sum(impact_usd_month) AS rightsizing_usd_per_month
${recommendations('rightsize')}`,
      unit: 'currencyUSD',
      width: 6,
    },
    {
      title: 'Daily spend by team',
      type: 'timeseries',
      description: 'Effective cost per day and owning team (the team tag; untagged spend shown apart).',
      sql: `SELECT bucket AS time, if(team = '', '(untagged)', team) AS owner_team, sum(EffectiveCost) AS spend
${costDays}
GROUP BY time, owner_team
ORDER BY time`,
      unit: 'currencyUSD',
      width: 16,
    },
    {
      title: 'Spend by team',
      type: 'piechart',
      description: 'Effective cost in the range by team tag.',
      sql: `SELECT if(team = '', '(untagged)', team) AS owner_team, sum(EffectiveCost) AS spend
${costDays}
GROUP BY owner_team
ORDER BY spend DESC`,
      unit: 'currencyUSD',
    },
    {
      title: 'Spend by service',
      type: 'bargauge',
      description: 'Effective cost in the range by service tag, top 15.',
      sql: `SELECT if(service = '', '(untagged)', service) AS service_name, sum(EffectiveCost) AS spend
${costDays}
GROUP BY service_name
ORDER BY spend DESC
LIMIT 15`,
      unit: 'currencyUSD',
      width: 10,
    },
    {
      title: 'Spend by category',
      type: 'piechart',
      description: 'Effective cost in the range by FOCUS ServiceCategory.',
      sql: `SELECT ServiceCategory AS category, sum(EffectiveCost) AS spend
${costDays}
GROUP BY category
ORDER BY spend DESC`,
      unit: 'currencyUSD',
      width: 6,
    },
    {
      title: 'Spend by service, environment and category',
      type: 'table',
      description: 'Effective and list cost in the range.',
      sql: `SELECT service, env, ServiceCategory AS category, round(sum(EffectiveCost), 2) AS effective_usd,
  round(sum(ListCost), 2) AS list_usd
${costDays}
GROUP BY service, env, category
ORDER BY effective_usd DESC
LIMIT 100`,
      width: 8,
    },
    { row: 'Forecast against budget' },
    {
      title: 'Month-end forecast against budget',
      type: 'timeseries',
      description:
        'At each scoring pass: the month-end spend forecast of the teams with a budget, its 80 % interval, and their budgets.',
      sql: `SELECT f.computed_at AS time, sum(f.yhat) AS forecast_usd, sum(f.lower) AS lower_usd, sum(f.upper) AS upper_usd,
  sum(b.budget_usd) AS budget_usd_total
FROM forecasts AS f
INNER JOIN (
  ${teamBudgets}
) AS b ON b.computed_at = f.computed_at AND b.subject = f.subject
${monthEndForecasts}
GROUP BY time
ORDER BY time`,
      unit: 'currencyUSD',
    },
    {
      title: 'Month-end forecast by team',
      type: 'table',
      description: 'The latest month-end forecast per team with its 80 % interval, against the team’s monthly budget.',
      sql: `SELECT f.team_name, f.forecast_usd, f.lower_usd, f.upper_usd, b.budget_usd,
  if(b.budget_usd > 0, f.forecast_usd / b.budget_usd, 0) AS share_of_budget
FROM (
  SELECT f.subject AS team_name, round(argMax(f.yhat, f.computed_at), 2) AS forecast_usd,
    round(argMax(f.lower, f.computed_at), 2) AS lower_usd, round(argMax(f.upper, f.computed_at), 2) AS upper_usd
  FROM forecasts AS f
  ${monthEndForecasts}
  GROUP BY f.subject
) AS f
LEFT JOIN (
  SELECT subject AS team_name, argMax(budget_usd, computed_at) AS budget_usd
  FROM (${teamBudgets})
  GROUP BY subject
) AS b ON b.team_name = f.team_name
ORDER BY share_of_budget DESC`,
    },
    { row: 'Anomalies and waste' },
    {
      title: 'Cost anomalies',
      type: 'table',
      description:
        'Hours whose cost the online detectors found anomalous, per resource (its service’s teams when filtered).',
      sql: `SELECT ts, service, labels['subject'] AS resource_id, round(value, 4) AS hourly_usd, round(score, 2) AS anomaly_score,
  detector_version
FROM anomalies
WHERE name = 'cost' AND $__timeFilter(ts) AND ${when('service', 'service')} AND ${teamOfService('service')}
  AND ${envOfResource("labels['subject']")}
ORDER BY ts DESC
LIMIT 50`,
      width: 12,
    },
    {
      title: 'Idle resources',
      type: 'table',
      description: 'Resources AEGIS recommends stopping, by monthly cost.',
      sql: `SELECT subject AS resource_id, service, team, round(impact_usd_month, 2) AS usd_per_month,
  round(confidence, 2) AS confidence_score, status, held_reason
${recommendations('stop_idle')}
ORDER BY impact_usd_month DESC
LIMIT 50`,
      width: 12,
    },
  ],
};
