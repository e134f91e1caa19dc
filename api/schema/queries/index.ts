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
