import { type ApprovalsConfigInput, parseApprovalsConfig } from './config.ts';
import { routeApproval } from './route.ts';
import type { ApprovalRequirement, RouteApprovalParams, Vote, Voter } from './types.ts';

/** Routing time of the fixtures: 2026-01-01T00:00:00Z. */
export const T0 = Date.UTC(2026, 0, 1);
export const HOUR_MS = 60 * 60 * 1000;

/** Catalog teams of the fixtures. */
export const TEAMS = {
  payments: ['alice', 'bob', 'carol'],
  search: ['dave', 'erin'],
};

/** Roles of the fixtures. */
export const ROLES = {
  'platform-lead': ['pat', 'quinn'],
  security: ['sam'],
  finance: ['fay', 'fred'],
};

/** A parsed config over the fixture roles, with overrides. */
export function config(overrides: ApprovalsConfigInput = {}) {
  return parseApprovalsConfig({ roles: ROLES, ...overrides });
}

/** Routing params for a cheap, reversible tier-2 change to payments-api proposed by alice. */
export function params(overrides: Partial<RouteApprovalParams> = {}): RouteApprovalParams {
  return {
    actionId: 'act-1',
    decisionApprovers: ['payments'],
    target: { owner: 'payments', tier: 'tier-2', service: 'payments-api' },
    impact: { costUsdMonth: 120, errorBudgetCost: 0 },
    errorBudgetRemaining: 0.9,
    reversible: true,
    proposer: { id: 'alice', kind: 'human' },
    nowMs: T0,
    teams: TEAMS,
    config: config(),
    ...overrides,
  };
}

/** `routeApproval(params(overrides))`. */
export function route(overrides: Partial<RouteApprovalParams> = {}): ApprovalRequirement {
  return routeApproval(params(overrides));
}

/** A human voter with no identity roles or teams. */
export function human(id: string, extra: Partial<Voter> = {}): Voter {
  return { id, kind: 'human', roles: [], teams: [], ...extra };
}

/** A vote at T0 + offsetMs. */
export function vote(voter: Voter, decision: Vote['decision'], offsetMs = 1000): Vote {
  return { voter, decision, atMs: T0 + offsetMs };
}
