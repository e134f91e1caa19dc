import type { ClassType } from 'type-graphql';
import { CostResolver } from './cost.ts';
import { InsightResolver } from './insights.ts';
import { PlatformResolver } from './platform.ts';
import { RecommendationResolver } from './recommendations.ts';
import { ServiceResolver } from './services.ts';
import { TeamResolver } from './teams.ts';

/** Resolvers of the read side: platform, services, cost, findings, insights, recommendations. */
export const QUERY_RESOLVERS: ClassType[] = [
  PlatformResolver,
  TeamResolver,
  ServiceResolver,
  CostResolver,
  InsightResolver,
  RecommendationResolver,
];

/** The Query fields of the read side (the resolvers above): answered from scores, SLO status, cost,
 *  insights, recommendations and the catalog only, never from the control side. An operation selecting
 *  only these may be answered from the read cache (api/response-cache.ts); a field missing here is
 *  simply never cached that way. */
export const READ_QUERY_FIELDS: ReadonlySet<string> = new Set([
  'platform',
  'teams',
  'team',
  'services',
  'service',
  'cost',
  'costForecast',
  'idleWaste',
  'insights',
  'insight',
  'findings',
  'recommendations',
  'recommendation',
]);
