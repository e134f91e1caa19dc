import type { ClassType } from 'type-graphql';
import { ActionResolver } from './actions.ts';
import { AuditResolver } from './audit.ts';
import { PolicyResolver } from './policies.ts';
import { ControlSubscriptionResolver } from './subscriptions.ts';
import { TriageResolver } from './triage.ts';

/** Resolvers of the control side: actions (queries, mutations), audit, policies, triage, subscriptions. */
export const CONTROL_RESOLVERS: ClassType[] = [
  ActionResolver,
  AuditResolver,
  PolicyResolver,
  TriageResolver,
  ControlSubscriptionResolver,
];
