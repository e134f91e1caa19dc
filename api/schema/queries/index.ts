import type { ClassType } from 'type-graphql';

/** Resolvers of the read side: platform, services, cost, findings, insights, recommendations. */
export const QUERY_RESOLVERS: ClassType[] = [];
