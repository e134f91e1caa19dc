import type { Evidence, Score, ScoreComponent, ScoreOptions, SourceRef } from '../types.ts';
import {
  HOURS_PER_MONTH,
  MAX_EVIDENCE_ITEMS,
  makeScore,
  pct,
  resolveWeights,
  scopeFilter,
  sourceOf,
  usd,
} from './score.ts';

/** A resource from the inventory, as governance sees it. */
export interface GovernedResource {
  id: string;
  /** Owning service; '' when none. */
  service: string;
  /** Owning team; '' when none. */
  owner: string;
  /** Listed in the service catalog; false = shadow infrastructure. */
  catalogued: boolean;
  tags: Record<string, string>;
  /** USD per hour; weighs shadow resources by what they cost. */
  hourlyCost: number;
}

/** One failed policy check. */
export interface PolicyViolation {
  rule: string;
  /** What broke the rule, usually a resource id. */
  subject: string;
}

/** Input of `scoreGovernance`. */
export interface GovernanceInput {
  subject: string;
  scope?: 'service' | 'team' | 'platform';
  resources: GovernedResource[];
  policyViolations: PolicyViolation[];
  /** Rows behind the inventory. @default `resources_latest` filtered by `service` or `owner` per scope */
  source?: SourceRef;
  /** Rows behind the violations. @default { table: 'insights', filter: { kind: 'policy_violation' } } */
  violationSource?: SourceRef;
}

/** Options of `scoreGovernance`. */
export interface GovernanceOptions extends ScoreOptions {
  /** Tags every resource must carry, with a non-empty value. @default ['team', 'service', 'env'] */
  requiredTags?: string[];
  weights?: Partial<Record<GovernanceComponentName, number>>;
}

/** The components of a governance score. */
export type GovernanceComponentName = 'ownership' | 'tag coverage' | 'shadow resources' | 'policy violations';

/** Relative weights of the governance components. */
export const DEFAULT_GOVERNANCE_WEIGHTS: Record<GovernanceComponentName, number> = {
  ownership: 0.3,
  'tag coverage': 0.2,
  'shadow resources': 0.25,
  'policy violations': 0.25,
};

/** Tags required on every resource unless configured otherwise. */
export const DEFAULT_REQUIRED_TAGS: readonly string[] = ['team', 'service', 'env'];

/** Scores governance over a set of resources: ownership, tags, shadow resources, policy violations. */
export function scoreGovernance(input: GovernanceInput, options: GovernanceOptions): Score {
  const weights = resolveWeights(DEFAULT_GOVERNANCE_WEIGHTS, options.weights);
  const ref = input.source ?? {
    table: 'resources_latest',
    filter: scopeFilter(input.scope ?? 'service', input.subject, 'owner'),
  };
  const required = options.requiredTags ?? DEFAULT_REQUIRED_TAGS;
  const rs = input.resources;
  const n = rs.length;
  const evidence = (kind: string, hits: GovernedResource[], describe: (r: GovernedResource) => string, none: string) =>
    hits.length > 0
      ? hits.slice(0, MAX_EVIDENCE_ITEMS).map<Evidence>((r) => ({
          kind,
          subject: r.id,
          description: describe(r),
          source: sourceOf(ref, {}, { resource_id: r.id }),
        }))
      : [{ kind: 'resources-checked', subject: input.subject, description: none, value: n, source: sourceOf(ref, {}) }];
  const nullComponent = (name: GovernanceComponentName): ScoreComponent => ({
    name,
    value: null,
    weight: weights[name],
    detail: 'no resources',
    evidence: [],
  });
  if (n === 0) {
    const components = (['ownership', 'tag coverage', 'shadow resources', 'policy violations'] as const).map(
      nullComponent,
    );
    return makeScore('governance', input.scope ?? 'service', input.subject, components, options.nowMs);
  }

  const unowned = rs.filter((r) => r.owner === '');
  const ownership: ScoreComponent = {
    name: 'ownership',
    value: (100 * (n - unowned.length)) / n,
    weight: weights.ownership,
    detail: `${n - unowned.length} of ${n} resources have an owner`,
    evidence: evidence('unowned-resource', unowned, () => 'no owning team', `all ${n} resources have an owner`),
  };

  // Coverage counts tag slots, so a resource missing one tag of three costs a third of one missing all.
  const missing = rs.map((r) => ({ r, tags: required.filter((t) => !r.tags[t]) })).filter((x) => x.tags.length > 0);
  const slots = n * required.length;
  const missingSlots = missing.reduce((a, x) => a + x.tags.length, 0);
  const missingById = new Map(missing.map((x) => [x.r.id, x.tags]));
  const tags: ScoreComponent = {
    name: 'tag coverage',
    value: slots > 0 ? (100 * (slots - missingSlots)) / slots : null,
    weight: weights['tag coverage'],
    detail:
      slots > 0
        ? `${slots - missingSlots} of ${slots} required tags (${required.join(', ')}) present; ${missing.length} resources miss some`
        : 'no required tags configured',
    evidence: evidence(
      'untagged-resource',
      missing.map((x) => x.r),
      (r) => `missing tags ${(missingById.get(r.id) ?? []).join(', ')}`,
      `all ${n} resources carry ${required.join(', ')}`,
    ),
  };

  // Shadow share is cost-weighted: one forgotten GPU box matters more than ten empty buckets.
  const shadow = rs.filter((r) => !r.catalogued);
  const cost = rs.reduce((a, r) => a + r.hourlyCost, 0);
  const shadowCost = shadow.reduce((a, r) => a + r.hourlyCost, 0);
  const shadowShare = cost > 0 ? shadowCost / cost : shadow.length / n;
  const shadowComponent: ScoreComponent = {
    name: 'shadow resources',
    value: 100 * (1 - shadowShare),
    weight: weights['shadow resources'],
    detail: `${shadow.length} uncatalogued resource(s), ${pct(shadowShare)} of ${cost > 0 ? `${usd(cost * HOURS_PER_MONTH)}/month` : 'resources'}`,
    evidence: evidence(
      'shadow-resource',
      // Costliest first, so the evidence cap keeps the ones that move the share.
      [...shadow].sort((a, b) => b.hourlyCost - a.hourlyCost || a.id.localeCompare(b.id)),
      (r) => `not in the catalog, ${usd(r.hourlyCost * HOURS_PER_MONTH)}/month`,
      `all ${n} resources are catalogued`,
    ),
  };

  const violating = new Set(input.policyViolations.map((v) => v.subject));
  const vref = input.violationSource ?? { table: 'insights', filter: { kind: 'policy_violation' } };
  const violations: ScoreComponent = {
    name: 'policy violations',
    value: Math.max(0, 100 * (1 - violating.size / n)),
    weight: weights['policy violations'],
    detail: `${input.policyViolations.length} violations on ${violating.size} subjects, against ${n} resources`,
    evidence:
      input.policyViolations.length > 0
        ? input.policyViolations.slice(0, MAX_EVIDENCE_ITEMS).map((v) => ({
            kind: 'policy-violation',
            subject: v.subject,
            description: `violates ${v.rule}`,
            source: sourceOf(vref, {}, { subject: v.subject, rule: v.rule }),
          }))
        : [
            {
              kind: 'policy-check',
              subject: input.subject,
              description: `no policy violation across ${n} resources`,
              value: 0,
              source: sourceOf(vref, {}),
            },
          ],
  };
  return makeScore(
    'governance',
    input.scope ?? 'service',
    input.subject,
    [ownership, tags, shadowComponent, violations],
    options.nowMs,
  );
}
