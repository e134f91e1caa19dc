// SQL fragments the dashboards share. A filter is written with the plugin's $__conditionalAll, so "All"
// costs nothing (it becomes 1=1) and a concrete selection becomes `column IN ('a','b')`. Only tables
// that really hold a column are filtered on it; the rest go through the inventory or say so.

import { DEFAULT_REQUIRED_TAGS } from '../../scoring/scorers/index.ts';
import { when } from '../model.ts';

export { when };

/** The services of the selected teams, for tables that know a service but not its team. */
export const teamOfService = (column: string) =>
  `$__conditionalAll(${column} IN (SELECT service FROM resources_latest FINAL WHERE owner IN ($team)), $team)`;

/** The resources of the selected environments, for tables that know a resource but not its environment. */
export const envOfResource = (column: string) =>
  `$__conditionalAll(${column} IN (SELECT resource_id FROM resources_latest FINAL WHERE env IN ($environment)), $environment)`;

/** The tags governance requires by default (scoring.requiredTags in the AEGIS configuration), as a
 *  ClickHouse array literal. */
export const REQUIRED_TAGS = `[${DEFAULT_REQUIRED_TAGS.map((t) => `'${t}'`).join(', ')}]`;

/** A team's monthly budget as the team's cost score recorded it: the threshold of its
 *  "forecast against budget" component (0 when the team has no budget). */
export const BUDGET_FROM_COMPONENTS =
  "JSONExtractFloat(arrayFirst(c -> JSONExtractString(c, 'name') = 'forecast against budget', JSONExtractArrayRaw(components)), 'evidence', 1, 'threshold')";

/** Recommendations still to act on. */
export const ACTIONABLE = "status IN ('open', 'held')";
