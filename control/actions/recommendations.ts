import type { RecommendationRow } from '../../scoring/insights/types.ts';
import { actionTypeSpec } from './action-types.ts';
import type { ProposalParams } from './proposal.ts';

/** The proposal that carries out a recommendation, or undefined for a type AEGIS cannot act on. Its
 *  idempotency key is the recommendation's, so proposing it again returns the same action. */
export function proposalFromRecommendation(rec: RecommendationRow): ProposalParams | undefined {
  const spec = actionTypeSpec(rec.type);
  if (!spec) return undefined;
  const target =
    spec.target === 'resource'
      ? { resourceId: rec.subject }
      : spec.target === 'principal'
        ? { principal: rec.subject, ...(rec.service ? { service: rec.service } : {}) }
        : { service: rec.service || rec.subject };
  return {
    type: rec.type,
    target,
    reason: `${rec.title}: ${rec.rationale}`.slice(0, 4000),
    recommendationId: rec.id,
    idempotencyKey: `recommendation:${rec.id}`,
    // A recommendation's impact is a saving (positive); an action's is a cost change.
    impact: { costUsdMonth: -rec.impact_usd_month },
  };
}
