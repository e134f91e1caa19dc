import { describe, expect, it } from 'vitest';
import type { ActionView } from '../../../control/actions/view.ts';
import type { ApprovalRequirement, Vote } from '../../../control/approvals/index.ts';
import { HOUR_MS, human, route, T0, vote } from '../../../control/approvals/test-helpers.ts';
import type { ApiPrincipal, Role } from '../../auth/permissions.ts';
import { mayVote } from './can-vote.ts';

/** The parts of a view mayVote reads: a payments action awaiting `requirement`. */
function pending(requirement: ApprovalRequirement, votes: Vote[] = []): ActionView {
  return {
    id: 'act-1',
    state: 'pending_approval',
    team: 'payments',
    approval: requirement as unknown as Record<string, unknown>,
    votes,
  } as unknown as ActionView;
}

const key = (name: string, role: Role = 'approver', team: string | null = null): ApiPrincipal => ({
  keyId: 'ak_0000000000000001',
  name,
  role,
  team,
});

describe('mayVote', () => {
  // payments approves (bob, carol); alice proposed it.
  const requirement = route();
  const at = T0 + 1000;

  it('is true for a member of an authority holding the approve permission', () => {
    expect(mayVote(pending(requirement), key('bob'), at)).toBe(true);
    expect(mayVote(pending(requirement), key('someone', 'approver', 'payments'), at)).toBe(true);
  });

  it('is false for the proposer, a non-member, a role without approve and another team', () => {
    expect(mayVote(pending(requirement), key('alice'), at)).toBe(false);
    expect(mayVote(pending(requirement), key('mallory'), at)).toBe(false);
    expect(mayVote(pending(requirement), key('bob', 'operator'), at)).toBe(false);
    expect(mayVote(pending(requirement), key('bob', 'approver', 'search'), at)).toBe(false);
    expect(mayVote(pending(requirement), null, at)).toBe(false);
  });

  it('is false once the key has voted, and once the action no longer awaits approval', () => {
    // payments and security must both approve: bob's approve leaves security to vote.
    const voted = pending(route({ decisionApprovers: ['payments', 'security'] }), [vote(human('bob'), 'approve')]);
    expect(mayVote(voted, key('bob'), at + 1000)).toBe(false);
    expect(mayVote(voted, key('sam'), at + 1000)).toBe(true);
    expect(mayVote({ ...pending(requirement), state: 'approved' }, key('bob'), at)).toBe(false);
    expect(mayVote({ ...pending(requirement), approval: null }, key('bob'), at)).toBe(false);
  });

  it('lets humans vote on what an agent proposed, and nobody after expiry', () => {
    const byAgent = route({ proposer: { id: 'bot', kind: 'agent' } });
    expect(byAgent.humanRequired).toBe(true);
    expect(mayVote(pending(byAgent), key('bob'), at)).toBe(true);
    expect(mayVote(pending(byAgent), key('bob', 'admin', null), at)).toBe(true);
    expect(mayVote(pending(requirement), key('bob'), T0 + 25 * HOUR_MS)).toBe(false);
  });

  it('does not call a vote too early when this clock trails the routing time', () => {
    expect(mayVote(pending(requirement), key('bob'), T0 - 5000)).toBe(true);
  });
});
