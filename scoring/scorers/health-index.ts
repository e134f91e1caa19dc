import type { Dimension, Evidence, Score, ScoreComponent, Tier } from '../types.ts';
import { makeScore, weightedMean } from './score.ts';

/** How much a service of each tier counts in the index: a tier-1 outage hurts three times a tier-3 one. */
export const TIER_WEIGHTS: Record<Tier, number> = { 'tier-1': 3, 'tier-2': 2, 'tier-3': 1 };

/** How much each dimension counts in a service's composite. */
export const DIMENSION_WEIGHTS: Record<Dimension, number> = {
  reliability: 0.3,
  cost: 0.15,
  governance: 0.15,
  security: 0.2,
  operations: 0.2,
};

/** Weight of the tier-weighted service composites against each platform-level dimension score. */
export const SERVICES_WEIGHT = 0.5;
/** Weight of each platform-level dimension score (security of the accounts, platform governance…). */
export const PLATFORM_DIMENSION_WEIGHT = 0.1;

/** Input of `healthIndex`. */
export interface HealthIndexInput {
  /** Per service, its scores by dimension (any may be missing). */
  services: Record<string, Partial<Record<Dimension, Score>>>;
  /** Tier per service; a service not listed counts as tier-3. */
  tiers: Record<string, Tier>;
  /** Scores computed at platform scope (not from services), e.g. account security. */
  platform?: Partial<Record<Dimension, Score>>;
  /** Name of the platform. @default 'platform' */
  subject?: string;
  /** The caller's clock, epoch ms. */
  computedAtMs: number;
}

/** A service's composite: the dimension-weighted mean of its dimension scores; null with none. */
export function compositeOf(scores: Partial<Record<Dimension, Score>>): number | null {
  return weightedMean(
    (Object.keys(DIMENSION_WEIGHTS) as Dimension[]).map((d) => ({
      value: scores[d]?.value ?? null,
      weight: DIMENSION_WEIGHTS[d],
    })),
  );
}

/** The platform health index: one component for the services (each composite weighted by tier) and
 *  one per platform-level dimension. Its dimension is 'health' and its scope 'platform'. */
export function healthIndex(input: HealthIndexInput): Score {
  const subject = input.subject ?? 'platform';
  const names = Object.keys(input.services).sort();
  const rows = names.map((name) => {
    const tier = input.tiers[name] ?? 'tier-3';
    return { name, tier, weight: TIER_WEIGHTS[tier], value: compositeOf(input.services[name] ?? {}) };
  });
  const scored = rows.filter((r) => r.value !== null);
  const servicesValue = weightedMean(rows);
  const worst = [...scored].sort((a, b) => (a.value as number) - (b.value as number)).slice(0, 3);
  const services: ScoreComponent = {
    name: 'services',
    value: servicesValue,
    weight: SERVICES_WEIGHT,
    detail:
      servicesValue === null
        ? 'no service has a score'
        : `${scored.length} of ${rows.length} services scored, tier-weighted; lowest: ${worst.map((r) => `${r.name} ${(r.value as number).toFixed(1)}`).join(', ')}`,
    evidence: rows.map<Evidence>((r) => ({
      kind: 'service-composite',
      subject: r.name,
      description: `${r.tier} (×${r.weight}) composite ${r.value === null ? 'no data' : r.value.toFixed(1)}`,
      ...(r.value === null ? {} : { value: r.value }),
      source: { table: 'scores', filter: { scope: 'service', subject: r.name }, toMs: input.computedAtMs },
    })),
  };
  const platform = (Object.keys(DIMENSION_WEIGHTS) as Dimension[]).flatMap<ScoreComponent>((d) => {
    const s = input.platform?.[d];
    if (!s) return [];
    return [
      {
        name: `platform ${d}`,
        value: s.value,
        weight: PLATFORM_DIMENSION_WEIGHT,
        detail: s.value === null ? `no platform ${d} data` : `platform ${d} score ${s.value.toFixed(1)}`,
        evidence: [
          {
            kind: 'score',
            subject: s.subject,
            description: `${d} score at ${s.scope} scope`,
            ...(s.value === null ? {} : { value: s.value }),
            source: {
              table: 'scores',
              filter: { dimension: d, scope: s.scope, subject: s.subject },
              toMs: s.computedAtMs,
            },
          },
        ],
      },
    ];
  });
  return makeScore('health', 'platform', subject, [services, ...platform], input.computedAtMs);
}
