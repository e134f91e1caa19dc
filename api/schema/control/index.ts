import type { ClassType } from 'type-graphql';

/** Resolvers of the control side: actions (queries, mutations), audit, policies, subscriptions. */
export const CONTROL_RESOLVERS: ClassType[] = [];
