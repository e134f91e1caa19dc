/** The labels and annotations AEGIS reads from catalog entities. Annotation values are strings. */
import type { Tier } from './catalog-types.ts';

/** Label holding a service's tier: `tier-1`…`tier-3`, or `1`…`3`. */
export const TIER_LABEL = 'tier';
/** Annotation holding the tier, for catalogs that keep labels for selectors; same values as the label. */
export const TIER_ANNOTATION = 'aegis.io/tier';
/** Tier of an entity that states none: the least critical, so an unlabelled service never pages
 *  as if it were critical. Label a service to raise it. @default 'tier-3' */
export const DEFAULT_TIER: Tier = 'tier-3';
/** Annotation listing a Component's environments, comma-separated: `production,staging`. */
export const ENVS_ANNOTATION = 'aegis.io/envs';
/** Annotation holding a Resource's cloud id (an ARN); required on every Resource, it is the join
 *  key with cost and inventory rows, and a cloud id not in the catalog is a shadow resource. */
export const RESOURCE_ID_ANNOTATION = 'aegis.io/resource-id';
/** Annotation holding a Resource's environment: `production`, `staging`. */
export const ENV_ANNOTATION = 'aegis.io/env';
/** Group annotation holding the team's monthly cloud budget in USD (a positive number, quoted). */
export const BUDGET_ANNOTATION = 'aegis.io/monthly-budget-usd';

/** Parses a tier as written (`tier-2` or `2`); undefined when it is neither. */
export function parseTier(value: string): Tier | undefined {
  const m = /^(?:tier-)?([123])$/.exec(value);
  return m ? (`tier-${m[1]}` as Tier) : undefined;
}
