/** The resolved service catalog: plain data scoring code reads without knowing YAML or Backstage. */

/** Service tier; tier-1 is the most critical. */
export type Tier = 'tier-1' | 'tier-2' | 'tier-3';

/** Where an entity was defined, for messages: `file:line:col` of its `metadata.name`. */
export type SourceLocation = string;

/** A catalogued service (a Backstage `Component`). */
export interface CatalogService {
  /** `component:default/payments-api`. */
  ref: string;
  name: string;
  namespace: string;
  title: string;
  description: string;
  /** Owning team's name (the Group's `metadata.name`), or the User's name when a person owns it. */
  owner: string;
  /** Owner as a full ref: `group:default/payments` (or `user:…`). */
  ownerRef: string;
  tier: Tier;
  /** Where the tier came from; `default` means the entity did not say (see `DEFAULT_TIER`). */
  tierSource: 'label' | 'annotation' | 'default';
  /** Backstage lifecycle: `production`, `experimental`, `deprecated` (other values are kept as written). */
  lifecycle: string;
  /** Backstage component type: `service`, `website`, `library`… */
  type: string;
  /** System name, or null when the component belongs to none. */
  system: string | null;
  /** Environments from the `aegis.io/envs` annotation (comma-separated); empty when not annotated. */
  envs: string[];
  /** Full refs of what it depends on (`resource:default/…`, `component:default/…`). */
  dependsOn: string[];
  tags: string[];
  labels: Record<string, string>;
  source: SourceLocation;
}

/** An owning team (a Backstage `Group`). */
export interface CatalogTeam {
  ref: string;
  name: string;
  namespace: string;
  /** `spec.profile.displayName`, else `metadata.title`, else the name. */
  displayName: string;
  /** Group type: `team`, `business-unit`… */
  type: string;
  /** Parent group's name, or null. */
  parent: string | null;
  /** Child group names. */
  children: string[];
  /** Member user names, as written (users usually come from the identity provider, not the catalog). */
  members: string[];
  /** Monthly cloud budget in USD from `aegis.io/monthly-budget-usd`, or null. */
  budgetMonthlyUsd: number | null;
  source: SourceLocation;
}

/** A Backstage `System`: the product a set of services and resources make up. */
export interface CatalogSystem {
  ref: string;
  name: string;
  namespace: string;
  description: string;
  /** Owning team's name. */
  owner: string;
  ownerRef: string;
  /** Domain name, or null. */
  domain: string | null;
  source: SourceLocation;
}

/** A catalogued cloud resource (a Backstage `Resource` carrying its cloud id). */
export interface CatalogResource {
  ref: string;
  /** Cloud id from the `aegis.io/resource-id` annotation (an ARN): the join key with cost and inventory. */
  id: string;
  name: string;
  /** Backstage resource type: `vm`, `k8s-node`, `db`, `bucket`… */
  type: string;
  /** Name of the Component it serves (`spec.dependencyOf`, else a Component whose `dependsOn` names it), or null. */
  service: string | null;
  /** Owning team's name. */
  owner: string;
  ownerRef: string;
  /** System name (its own `spec.system`, else its service's), or null. */
  system: string | null;
  /** Environment from the `aegis.io/env` annotation, or null. */
  env: string | null;
  tags: string[];
  source: SourceLocation;
}

/** Any loaded entity, including the kinds AEGIS keeps minimal (Domain, API, User). */
export interface CatalogEntity {
  ref: string;
  kind: string;
  name: string;
  namespace: string;
  source: SourceLocation;
}

/** The resolved catalog: every cross-reference checked, ready for scoring. */
export interface Catalog {
  services: CatalogService[];
  teams: CatalogTeam[];
  systems: CatalogSystem[];
  resources: CatalogResource[];
  entities: CatalogEntity[];
  /** A service by name (`payments-api`) or ref (`component:default/payments-api`). */
  serviceByName(nameOrRef: string): CatalogService | undefined;
  /** A catalogued resource by cloud id (ARN); undefined means the resource is uncatalogued ("shadow"). */
  resourceById(id: string): CatalogResource | undefined;
  /** The team owning a service (by name, ref or object); undefined when a User owns it or it is unknown. */
  teamOf(service: string | CatalogService): CatalogTeam | undefined;
}
