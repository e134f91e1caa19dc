/** The service catalog (Backstage `catalog-info.yaml` entities) and the SLOs (OpenSLO v1) that
 *  scoring reads, loaded, validated and resolved into plain data.
 *
 *  Catalog conventions: tier from label `tier` or annotation `aegis.io/tier` (`tier-1`…`tier-3`
 *  or `1`…`3`, default `tier-3`); environments from `aegis.io/envs`; a Resource's cloud id (ARN)
 *  from `aegis.io/resource-id` and its environment from `aegis.io/env`.
 *
 *  SLO metrics: `metricSource: { type: aegis, spec: { metric, labels?, service? } }` addresses an
 *  AEGIS metric by name and exact labels; `service` defaults to the SLO's `spec.service`. */
export {
  BUDGET_ANNOTATION,
  DEFAULT_TIER,
  ENV_ANNOTATION,
  ENVS_ANNOTATION,
  parseTier,
  RESOURCE_ID_ANNOTATION,
  TIER_ANNOTATION,
  TIER_LABEL,
} from './annotations.ts';
export { loadCatalog } from './catalog.ts';
export type {
  Catalog,
  CatalogEntity,
  CatalogResource,
  CatalogService,
  CatalogSystem,
  CatalogTeam,
  Tier,
} from './catalog-types.ts';
export { type Duration, type DurationUnit, parseDuration } from './duration.ts';
export { DEFAULT_NAMESPACE, type EntityRef, parseEntityRef, stringifyEntityRef } from './entity-ref.ts';
export { AEGIS_METRIC_SOURCE, OPENSLO_API_VERSION } from './slo-schema.ts';
export type {
  BudgetingMethod,
  SloDefinition,
  SloIndicator,
  SloMetric,
  SloObjective,
  SloWindow,
  ThresholdOp,
} from './slo-types.ts';
export { loadSlos } from './slos.ts';
