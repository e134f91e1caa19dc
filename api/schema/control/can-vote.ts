import type { ActionView } from '../../../control/actions/view.ts';
import { type ApprovalRequirement, castVote, type Vote, VoteRefusedError } from '../../../control/approvals/index.ts';
import { InputError } from '../../../core/errors.ts';
import { type ApiPrincipal, can, inScope } from '../../auth/permissions.ts';
import { voterOf } from './scope.ts';

/** Whether `principal` may vote on the action now: it awaits approval, the key holds `approve`, is of the
 *  action's team, and the approval rules (separation of duties, human required, membership of an
 *  authority, one vote each) would take its approve. Asked of the same rules `approveAction` applies, by
 *  casting the vote on a copy, so the answer cannot drift from what the mutation does. */
export function mayVote(view: ActionView, principal: ApiPrincipal | null, nowMs: number): boolean {
  if (view.state !== 'pending_approval' || view.approval === null || principal === null) return false;
  if (!can(principal, 'approve') || !inScope(principal, view.team)) return false;
  const requirement = view.approval as unknown as ApprovalRequirement;
  const votes = view.votes as Vote[];
  // This replica's clock may trail the controller's a little: a vote is never judged "too early" here, only
  // ineligible or too late (expired).
  const atMs = Math.max(nowMs, requirement.routedAtMs, votes.at(-1)?.atMs ?? 0);
  try {
    castVote(requirement, votes, { voter: voterOf(principal), decision: 'approve', atMs });
    return true;
  } catch (err) {
    if (err instanceof VoteRefusedError || err instanceof InputError) return false;
    throw err;
  }
}
