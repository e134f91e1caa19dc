import type { DashboardSpec } from '../model.ts';
import { ACTIONABLE, teamOfService, when } from './filters.ts';

const latestPlatform = (dimension: string) =>
  `FROM scores
WHERE dimension = '${dimension}' AND scope = 'platform' AND subject = 'platform' AND $__timeFilter(computed_at)`;

const openInsights = `FROM insights FINAL
WHERE status = 'open' AND ${when('team', 'team')} AND ${when('service', 'service')}`;

const actionableRecommendations = `FROM recommendations FINAL
WHERE ${ACTIONABLE} AND ${when('team', 'team')} AND ${when('service', 'service')}`;

/** Platform overview: the health index, the maturity level, scores over time and the top risks. */
export const overview: DashboardSpec = {
  uid: 'aegis-overview',
  title: 'AEGIS · Platform overview',
  description: 'Platform health index, maturity level, scores by dimension and the top open risks.',
  tags: ['overview'],
  items: [
    { row: 'Now' },
    {
      title: 'Platform health index',
      type: 'gauge',
      description: 'The latest platform health index (0–100) in the time range: the weighted dimension scores.',
      sql: `SELECT argMax(value, computed_at) AS health
${latestPlatform('health')}`,
      min: 0,
      max: 100,
      decimals: 0,
      baseColor: 'red',
      thresholds: [
        { value: 50, color: 'orange' },
        { value: 70, color: 'yellow' },
        { value: 85, color: 'green' },
      ],
    },
    {
      title: 'Maturity level',
      type: 'stat',
      description: 'The latest maturity level (1 reactive … 5 autonomous) the scorer assessed in the time range.',
      sql: `SELECT argMax(value, computed_at) AS level
${latestPlatform('maturity')}`,
      decimals: 0,
      baseColor: 'orange',
      thresholds: [{ value: 3, color: 'green' }],
    },
    {
      title: 'Open insights',
      type: 'stat',
      description: 'Insights open now, and how many of them are critical (current state, whatever the time range).',
      sql: `SELECT count() AS open_insights, countIf(severity = 'critical') AS critical
${openInsights}`,
      width: 6,
    },
    {
      title: 'Savings on the table',
      type: 'stat',
      description: 'Monthly impact of the open and held recommendations (current state).',
      sql: `SELECT sum(impact_usd_month) AS usd_per_month
${actionableRecommendations}`,
      unit: 'currencyUSD',
      width: 5,
    },
    {
      title: 'Maturity criteria',
      type: 'table',
      description:
        'The criteria of the latest maturity assessment: the level each one belongs to and whether it is met.',
      sql: `SELECT JSONExtractUInt(criterion, 'level') AS for_level,
  JSONExtractString(criterion, 'description') AS criterion_text,
  JSONExtractRaw(criterion, 'met') AS met,
  JSONExtractRaw(criterion, 'value') AS measured
FROM (
  SELECT arrayJoin(JSONExtractArrayRaw(latest, 'criteria')) AS criterion
  FROM (SELECT argMax(components, computed_at) AS latest ${latestPlatform('maturity')})
)
ORDER BY for_level`,
      width: 7,
      height: 8,
    },
    { row: 'Scores over time' },
    {
      title: 'Platform scores by dimension',
      type: 'timeseries',
      description: 'Platform-wide scores (0–100) of each dimension, per interval.',
      sql: `SELECT $__timeInterval(computed_at) AS time, dimension, avg(value) AS score
FROM scores
WHERE scope = 'platform' AND dimension IN ('reliability', 'cost', 'governance', 'security', 'operations')
  AND $__timeFilter(computed_at)
GROUP BY time, dimension
ORDER BY time`,
      min: 0,
      max: 100,
    },
    {
      title: 'Health index',
      type: 'timeseries',
      description: 'The platform health index at each scoring pass.',
      sql: `SELECT computed_at AS time, value AS health
${latestPlatform('health')}
ORDER BY time`,
      min: 0,
      max: 100,
    },
    {
      title: 'Service scores by dimension',
      type: 'timeseries',
      description:
        'Average score of the selected services (and teams) per dimension; security and operations are platform-wide only.',
      sql: `SELECT $__timeInterval(computed_at) AS time, dimension, avg(value) AS score
FROM scores
WHERE scope = 'service' AND dimension IN ('reliability', 'cost', 'governance') AND $__timeFilter(computed_at)
  AND ${when('service', 'subject')} AND ${teamOfService('subject')}
GROUP BY time, dimension
ORDER BY time`,
      min: 0,
      max: 100,
    },
    {
      title: 'Latest scores by team',
      type: 'table',
      description: 'Each team’s latest score per dimension in the time range.',
      sql: `SELECT subject AS team_name,
  round(argMaxIf(value, computed_at, dimension = 'reliability'), 1) AS reliability,
  round(argMaxIf(value, computed_at, dimension = 'cost'), 1) AS cost,
  round(argMaxIf(value, computed_at, dimension = 'governance'), 1) AS governance
FROM scores
WHERE scope = 'team' AND dimension IN ('reliability', 'cost', 'governance') AND $__timeFilter(computed_at)
  AND ${when('team', 'subject')}
GROUP BY subject
ORDER BY team_name`,
      width: 12,
    },
    { row: 'Top risks' },
    {
      title: 'Open insights by severity',
      type: 'piechart',
      description: 'Open insights by severity (current state).',
      sql: `SELECT severity, count() AS insights_open
${openInsights}
GROUP BY severity
ORDER BY insights_open DESC`,
    },
    {
      title: 'Open insights by kind',
      type: 'bargauge',
      description: 'Open insights by kind (current state).',
      sql: `SELECT kind, count() AS insights_open
${openInsights}
GROUP BY kind
ORDER BY insights_open DESC`,
      width: 16,
    },
    {
      title: 'Top risks',
      type: 'table',
      description: 'Open insights, critical first, then by score.',
      sql: `SELECT severity, kind, title, service, team, round(score, 2) AS risk_score, opened_at
${openInsights}
ORDER BY multiIf(severity = 'critical', 0, severity = 'warning', 1, 2), score DESC
LIMIT 25`,
      width: 12,
      height: 10,
    },
    {
      title: 'Recommendations by impact',
      type: 'table',
      description: 'Open and held recommendations by monthly impact; a held one says why acting now would add risk.',
      sql: `SELECT title, type, status, service, team, round(impact_usd_month, 2) AS usd_per_month,
  round(confidence, 2) AS confidence_score, held_reason
${actionableRecommendations}
ORDER BY impact_usd_month DESC
LIMIT 25`,
      width: 12,
      height: 10,
    },
  ],
};
