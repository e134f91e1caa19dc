import type { DashboardSpec } from '../model.ts';
import { when } from './filters.ts';

const slos = `FROM slo_status
WHERE $__timeFilter(computed_at) AND ${when('team', 'team')} AND ${when('service', 'service')}`;

const burn = (window: string) => `round(argMax(burn_rates['${window}'], computed_at), 2) AS burn_${window}`;

/** Reliability: SLOs, their multiwindow burn rates and the error budget left per service. */
export const reliability: DashboardSpec = {
  uid: 'aegis-reliability',
  title: 'AEGIS · Reliability',
  description: 'SLO attainment, multiwindow burn rates and error budget remaining by service.',
  tags: ['reliability', 'slo'],
  items: [
    { row: 'SLOs now (latest pass in the time range)' },
    {
      title: 'SLOs',
      type: 'stat',
      description: 'SLOs, those alerting (a burn-rate window pair firing) and those with no error budget left.',
      sql: `SELECT count() AS slos, countIf(alert_state != 'none') AS alerting, countIf(budget_left < 0) AS budget_exhausted
FROM (
  SELECT slo, argMax(alert, computed_at) AS alert_state, argMax(budget_remaining, computed_at) AS budget_left
  ${slos}
  GROUP BY slo
)`,
      width: 8,
    },
    {
      title: 'Error budget remaining by service',
      type: 'bargauge',
      description: 'The least error budget left among each service’s SLOs (1 = untouched, below 0 = overspent).',
      sql: `SELECT service, min(budget_left) AS budget_remaining_worst
FROM (
  SELECT service, slo, argMax(budget_remaining, computed_at) AS budget_left
  ${slos}
  GROUP BY service, slo
)
GROUP BY service
ORDER BY budget_remaining_worst`,
      unit: 'percentunit',
      min: -1,
      max: 1,
      baseColor: 'red',
      thresholds: [
        { value: 0, color: 'orange' },
        { value: 0.25, color: 'green' },
      ],
      width: 16,
      height: 8,
    },
    {
      title: 'SLO status',
      type: 'table',
      description: 'Each SLO’s latest objective, attainment over its window, budget left and alert.',
      sql: `SELECT service, slo, any(indicator) AS sli, argMax(target, computed_at) AS objective,
  argMax(attainment, computed_at) AS attained, argMax(budget_remaining, computed_at) AS budget_left,
  argMax(alert, computed_at) AS alert_state, max(computed_at) AS as_of
${slos}
GROUP BY service, slo
ORDER BY budget_left`,
      unit: 'percentunit',
      decimals: 3,
    },
    {
      title: 'Multiwindow burn rates',
      type: 'table',
      description:
        'Latest burn rate per window and the window pairs firing (1h/5m and 6h/30m page, 1d/2h and 3d/6h ticket).',
      sql: `SELECT service, slo, argMax(alert, computed_at) AS alert_state,
  arrayStringConcat(argMax(firing, computed_at), ', ') AS firing_pairs,
  ${['5m', '30m', '1h', '2h', '6h', '1d', '3d'].map(burn).join(',\n  ')}
${slos}
GROUP BY service, slo
ORDER BY burn_1h DESC`,
    },
    { row: 'Over time' },
    {
      title: 'Error budget remaining by SLO',
      type: 'timeseries',
      description: 'Error budget left per SLO at each interval.',
      sql: `SELECT $__timeInterval(computed_at) AS time, slo, min(budget_remaining) AS budget_left
${slos}
GROUP BY time, slo
ORDER BY time`,
      unit: 'percentunit',
    },
    {
      title: 'Worst burn rate per window',
      type: 'timeseries',
      description:
        'The highest burn rate among the selected SLOs, per window (1 = spending the budget exactly over the SLO window).',
      sql: `SELECT $__timeInterval(computed_at) AS time,
  max(burn_rates['5m']) AS w5m, max(burn_rates['1h']) AS w1h, max(burn_rates['6h']) AS w6h,
  max(burn_rates['1d']) AS w1d, max(burn_rates['3d']) AS w3d
${slos}
GROUP BY time
ORDER BY time`,
    },
    {
      title: 'Good-event ratio per hour',
      type: 'timeseries',
      description: 'Good events (or good time slices) over all, per SLO and closed hour, from the hourly SLI roll-up.',
      sql: `SELECT hour AS time, slo, sum(good) / sum(total) AS good_ratio
FROM slo_sli_1h FINAL
WHERE $__timeFilter(hour) AND total > 0 AND slo IN (SELECT slo ${slos})
GROUP BY time, slo
ORDER BY time`,
      unit: 'percentunit',
    },
    {
      title: 'Attainment by SLO',
      type: 'timeseries',
      description: 'Attainment over each SLO’s window, per interval.',
      sql: `SELECT $__timeInterval(computed_at) AS time, slo, min(attainment) AS attained
${slos}
GROUP BY time, slo
ORDER BY time`,
      unit: 'percentunit',
    },
  ],
};
