import { HOURS_PER_MONTH } from '../../scoring/scorers/index.ts';
import type { DashboardSpec } from '../model.ts';
import { envOfResource, REQUIRED_TAGS, when } from './filters.ts';

// The latest inventory snapshot per resource; terminated resources no longer count.
const inventory = `FROM resources_latest FINAL
WHERE state != 'terminated' AND ${when('team', 'owner')} AND ${when('service', 'service')}
  AND ${when('environment', 'env')}`;

/** A share of the inventory: red below 80 %, green from 95 %. */
const COVERAGE = {
  unit: 'percentunit',
  baseColor: 'red',
  thresholds: [
    { value: 0.8, color: 'orange' },
    { value: 0.95, color: 'green' },
  ],
};

const tagged = `hasAll(mapKeys(tags), ${REQUIRED_TAGS})`;

const shadow = `SELECT subject, opened_at FROM insights FINAL
  WHERE kind = 'shadow_resource' AND status = 'open' AND ${envOfResource('subject')}`;

// Access events carry accounts and principals, not teams, services or environments: the access
// panels ignore those variables and say so.
const accessInRange = `FROM access_1h
WHERE $__timeFilter(bucket)`;
const ACCESS_NOTE = 'All accounts: access events carry no team, service or environment.';

/** Governance & access: tag and ownership coverage, shadow resources and risky access. */
export const governance: DashboardSpec = {
  uid: 'aegis-governance',
  title: 'AEGIS · Governance & access',
  description:
    'Tag and ownership coverage of the inventory, shadow resources, and risky access: root use, privileged actions without MFA, denials and new principals.',
  tags: ['governance', 'security'],
  items: [
    { row: 'Inventory (latest snapshot)' },
    {
      title: 'Ownership coverage',
      type: 'stat',
      description: 'Share of resources with an owning team.',
      sql: `SELECT countIf(owner != '') / count() AS owned_share
${inventory}`,
      ...COVERAGE,
      width: 6,
    },
    {
      title: 'Tag coverage',
      type: 'stat',
      description: `Share of resources carrying every required tag (${REQUIRED_TAGS}, the scoring.requiredTags default).`,
      sql: `SELECT countIf(${tagged}) / count() AS tagged_share
${inventory}`,
      ...COVERAGE,
      width: 6,
    },
    {
      title: 'Shadow resources',
      type: 'stat',
      description:
        'Open shadow-resource insights: resources in no catalog entry (they have no team or service to filter on).',
      sql: `SELECT count() AS shadow_resources FROM (${shadow})`,
      thresholds: [{ value: 1, color: 'orange' }],
      width: 6,
    },
    {
      title: 'Resources missing tags',
      type: 'stat',
      description: 'Resources lacking one or more required tags.',
      sql: `SELECT countIf(NOT ${tagged}) AS untagged_resources
${inventory}`,
      thresholds: [{ value: 1, color: 'orange' }],
      width: 6,
    },
    {
      title: 'Tag coverage by team',
      type: 'bargauge',
      description: 'Share of each owner’s resources carrying every required tag.',
      sql: `SELECT if(owner = '', '(no owner)', owner) AS owner_team, countIf(${tagged}) / count() AS tagged_share
${inventory}
GROUP BY owner_team
ORDER BY tagged_share`,
      ...COVERAGE,
      min: 0,
      max: 1,
    },
    {
      title: 'Resources by owner',
      type: 'piechart',
      description: 'Resources per owning team.',
      sql: `SELECT if(owner = '', '(no owner)', owner) AS owner_team, count() AS resource_count
${inventory}
GROUP BY owner_team
ORDER BY resource_count DESC`,
    },
    {
      title: 'Shadow resource details',
      type: 'table',
      description: 'Open shadow-resource insights with what the inventory knows of each resource.',
      sql: `SELECT i.subject AS resource_id, r.resource_type, r.region, r.env, round(r.hourly_cost * ${HOURS_PER_MONTH}, 2) AS usd_per_month,
  i.opened_at
FROM (${shadow}) AS i
LEFT JOIN (SELECT resource_id, resource_type, region, env, hourly_cost FROM resources_latest FINAL) AS r
  ON r.resource_id = i.subject
ORDER BY usd_per_month DESC`,
      width: 8,
    },
    {
      title: 'Resources missing required tags',
      type: 'table',
      description: 'Each resource lacking a required tag, and which ones.',
      sql: `SELECT resource_id, resource_type, owner, service, env,
  arrayStringConcat(arrayFilter(t -> NOT mapContains(tags, t), ${REQUIRED_TAGS}), ', ') AS missing_tags
${inventory} AND NOT ${tagged}
ORDER BY owner, service, resource_id
LIMIT 100`,
    },
    { row: 'Access' },
    {
      title: 'Root use',
      type: 'stat',
      description: `Events by root principals in the time range. ${ACCESS_NOTE}`,
      sql: `SELECT sum(root) AS root_events
${accessInRange}`,
      thresholds: [{ value: 1, color: 'red' }],
      width: 6,
    },
    {
      title: 'Privileged actions without MFA',
      type: 'stat',
      description: `Privileged actions by a session without MFA. ${ACCESS_NOTE}`,
      sql: `SELECT sum(privileged_without_mfa) AS privileged_no_mfa
${accessInRange}`,
      thresholds: [{ value: 1, color: 'orange' }],
      width: 6,
    },
    {
      title: 'Denied requests',
      type: 'stat',
      description: `Access attempts denied. ${ACCESS_NOTE}`,
      sql: `SELECT sumIf(events, result = 'denied') AS denied_events
${accessInRange}`,
      width: 6,
    },
    {
      title: 'New principals',
      type: 'stat',
      description: `Principals first seen in the time range (the whole hourly access history is searched). ${ACCESS_NOTE}`,
      sql: `SELECT count() AS new_principals
FROM (SELECT principal, min(bucket) AS first_seen FROM access_1h GROUP BY principal)
WHERE first_seen >= $__fromTime AND first_seen <= $__toTime`,
      width: 6,
    },
    {
      title: 'Risky access per interval',
      type: 'timeseries',
      description: `Denied attempts, privileged actions without MFA and root use. ${ACCESS_NOTE}`,
      sql: `SELECT $__timeInterval(bucket) AS time, sumIf(events, result = 'denied') AS denied,
  sum(privileged_without_mfa) AS privileged_no_mfa, sum(root) AS root_use
${accessInRange}
GROUP BY time
ORDER BY time`,
      width: 24,
    },
    {
      title: 'Risky principals',
      type: 'table',
      description: `Principals with denials, privileged actions without MFA or root use in the range. ${ACCESS_NOTE}`,
      sql: `SELECT principal, principal_type, sum(events) AS events_total, sumIf(events, result = 'denied') AS denied_events,
  sum(privileged) AS privileged_events, sum(privileged_without_mfa) AS privileged_no_mfa, sum(root) AS root_use
${accessInRange}
GROUP BY principal, principal_type
HAVING denied_events + privileged_no_mfa + root_use > 0
ORDER BY root_use DESC, privileged_no_mfa DESC, denied_events DESC
LIMIT 50`,
      width: 12,
    },
    {
      title: 'New principal details',
      type: 'table',
      description: `Principals first seen in the time range, with what they did. ${ACCESS_NOTE}`,
      sql: `SELECT principal, any(principal_type) AS principal_kind, min(bucket) AS first_seen, sum(events) AS events_total,
  uniqExact(action) AS distinct_actions
FROM access_1h
GROUP BY principal
HAVING first_seen >= $__fromTime AND first_seen <= $__toTime
ORDER BY first_seen DESC
LIMIT 50`,
      width: 12,
    },
  ],
};
