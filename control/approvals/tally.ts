import { z } from 'zod';
import { InputError } from '../../core/errors.ts';
import { VoteRefusedError } from './errors.ts';
import { normalizeMemberId, roleKey, teamKey } from './ids.ts';
import type { ApprovalAuthority, ApprovalRequirement, TallyResult, Vote, Voter } from './types.ts';

const voteSchema = z.strictObject({
  voter: z.strictObject({
    id: z.string().min(1),
    kind: z.enum(['human', 'agent', 'system']),
    roles: z.array(z.string()).default([]),
    teams: z.array(z.string()).default([]),
  }),
  decision: z.enum(['approve', 'reject']),
  /** Ms since the epoch; zod's number refuses NaN and infinities. */
  atMs: z.number(),
  comment: z.string().optional(),
});

/** A vote as callers write it (`roles` and `teams` optional). */
export type VoteParams = z.input<typeof voteSchema>;

/** Checks a vote against the requirement and the votes so far, and returns the votes with it appended
 *  (normalised: `user:default/Alice` → `alice`). Votes are an append-only log in time order.
 *
 *  Refused with a `VoteRefusedError` (code `POLICY_DENIED`): the proposer voting on their own action
 *  (separation of duties); a non-human when the requirement needs humans; a voter who belongs to no
 *  authority (nor to the escalation role once escalated). Refused with an `InputError`: a malformed
 *  vote; a requirement with routing problems; a vote older than the last one or before routing; a
 *  request already approved, rejected or expired; a second vote by the same voter, except a reject
 *  after their own approve (consent may be withdrawn; a reject can only stop the action). */
export function castVote(requirement: ApprovalRequirement, votes: readonly Vote[], vote: VoteParams): Vote[] {
  const { actionId } = requirement;
  const parsed = voteSchema.safeParse(vote);
  if (!parsed.success) {
    throw new InputError(`invalid vote on action ${actionId}: ${z.prettifyError(parsed.error)}`, { location: 'vote' });
  }
  const v = normalizeVote(parsed.data, actionId);
  const who = `${v.voter.kind} ${v.voter.id}`;
  if (requirement.problems.length > 0) {
    throw new InputError(
      `${who} cannot vote on action ${actionId}: its approval routing has problems (${requirement.problems.join('; ')})`,
    );
  }
  const last = votes.at(-1);
  if (v.atMs < requirement.routedAtMs || (last && v.atMs < last.atMs)) {
    const after =
      last && last.atMs > requirement.routedAtMs
        ? `the last vote at ${iso(last.atMs)}`
        : `routing at ${iso(requirement.routedAtMs)}`;
    throw new InputError(`${who} cannot vote on action ${actionId} at ${iso(v.atMs)}: before ${after}`);
  }
  if (v.voter.id === requirement.proposer.id) {
    throw refused('self_approval', `${who} cannot vote on action ${actionId}: they proposed it (separation of duties)`);
  }
  if (requirement.humanRequired && v.voter.kind !== 'human') {
    throw refused(
      'human_required',
      `${who} cannot vote on action ${actionId}: it was proposed by ${requirement.proposer.kind} ${requirement.proposer.id} and only human votes count`,
    );
  }
  const now = tally(requirement, votes, v.atMs);
  if (now.state !== 'pending') {
    const when = now.state === 'expired' ? requirement.expiresAtMs : (now.decidedAtMs as number);
    throw new InputError(`${who} cannot vote on action ${actionId}: it was ${now.state} at ${iso(when)}`);
  }
  if (authoritiesOf(requirement, v.voter, v.atMs).length === 0) {
    throw refused('not_eligible', `${who} cannot vote on action ${actionId}: ${notEligible(requirement, v.atMs)}`);
  }
  const previous = votes.find((p) => p.voter.id === v.voter.id);
  if (previous && !(previous.decision === 'approve' && v.decision === 'reject')) {
    throw new InputError(
      `${who} cannot vote on action ${actionId}: already voted ${previous.decision} at ${iso(previous.atMs)} (a vote is final; only an approve may be withdrawn by a reject)`,
    );
  }
  return [...votes, v];

  function refused(reason: 'self_approval' | 'human_required' | 'not_eligible', message: string): VoteRefusedError {
    return new VoteRefusedError(message, { reason, actionId, voterId: v.voter.id });
  }
}

/** Where an approval request stands at `nowMs`, from its votes (in any order; tally sorts them by time).
 *
 *  Votes are replayed in time order and the first decision sticks: one counted reject rejects;
 *  approved once every authority has its quorum of distinct counted approvers, or, from `escalateAtMs`
 *  on, once the escalation role has its own quorum, which then stands in for every authority still
 *  short. A vote counts when cast before `nowMs` (inclusive) and before expiry, by someone other than
 *  the proposer, by a human when `humanRequired`, and by a member of an authority (listed in its
 *  `members`, or holding its team or role in their identity) or of the escalation role once
 *  escalated. A voter's first counted approve is their only one (a later approve is ignored, even with
 *  other identity claims); it counts once for every authority they belong to. A requirement
 *  with routing problems is never approved. Still pending at `expiresAtMs`: expired. */
export function tally(requirement: ApprovalRequirement, votes: readonly Vote[], nowMs: number): TallyResult {
  const { authorities, escalateTo, escalateAtMs, expiresAtMs } = requirement;
  const approvers = new Map<string, Set<string>>(authorities.map((a) => [a.id, new Set()]));
  const escalationApprovers = new Set<string>();
  const approvedBefore = new Set<string>();
  const blocked = requirement.problems.length > 0 || authorities.length === 0;
  const escalatedAt = (t: number) => escalateAtMs !== null && t >= escalateAtMs;
  const standsIn = () => escalateTo !== null && escalationApprovers.size >= escalateTo.quorum;
  const complete = (t: number) =>
    !blocked &&
    authorities.every((a) => (approvers.get(a.id)?.size ?? 0) >= a.quorum || (standsIn() && escalatedAt(t)));

  let state: TallyResult['state'] = 'pending';
  let decidedAtMs: number | null = null;
  let rejectedBy: string | null = null;
  const ordered = votes
    .map((vote, i) => ({ vote, i }))
    .sort((a, b) => a.vote.atMs - b.vote.atMs || a.i - b.i)
    .map(({ vote }) => vote);
  // Escalation is an event at escalateAtMs, before any vote of that same ms: approvals already in
  // may complete the request the moment it starts. Checked once, when time first reaches it; later
  // votes are checked as they come.
  let escalationReached = false;
  const escalationCompletes = (untilMs: number): boolean => {
    if (escalationReached || escalateAtMs === null || escalateAtMs > untilMs || escalateAtMs >= expiresAtMs) {
      return false;
    }
    escalationReached = true;
    return complete(escalateAtMs);
  };
  for (const vote of ordered) {
    if (vote.atMs > nowMs || vote.atMs >= expiresAtMs) break;
    if (escalationCompletes(vote.atMs)) {
      state = 'approved';
      decidedAtMs = escalateAtMs;
      break;
    }
    if (vote.atMs < requirement.routedAtMs) continue;
    const voterId = idOf(vote.voter.id);
    if (voterId === requirement.proposer.id) continue;
    if (requirement.humanRequired && vote.voter.kind !== 'human') continue;
    const member = authoritiesOf(requirement, vote.voter, vote.atMs);
    if (member.length === 0) continue;
    // As castVote: a voter's first counted vote stands; only a reject may follow their approve.
    if (approvedBefore.has(voterId) && vote.decision === 'approve') continue;
    if (vote.decision === 'reject') {
      state = 'rejected';
      decidedAtMs = vote.atMs;
      rejectedBy = voterId;
      break;
    }
    approvedBefore.add(voterId);
    for (const a of member) if (a !== escalateTo) approvers.get(a.id)?.add(voterId);
    // An escalation-role member's approval, given as an authority before escalation or as the
    // escalation role after it, stands in once escalation starts.
    if (escalateTo && belongsTo(escalateTo, vote.voter)) escalationApprovers.add(voterId);
    if (complete(vote.atMs)) {
      state = 'approved';
      decidedAtMs = vote.atMs;
      break;
    }
  }
  if (state === 'pending' && escalationCompletes(nowMs)) {
    state = 'approved';
    decidedAtMs = escalateAtMs;
  }
  if (state === 'pending' && nowMs >= expiresAtMs) state = 'expired';

  const endMs = decidedAtMs ?? Math.min(nowMs, expiresAtMs);
  const escalated = escalateAtMs !== null && escalateAtMs <= endMs && escalateAtMs < expiresAtMs;
  const satisfied: string[] = [];
  const viaEscalation: string[] = [];
  const missing: TallyResult['missing'] = [];
  for (const a of authorities) {
    const have = approvers.get(a.id)?.size ?? 0;
    if (have >= a.quorum) satisfied.push(a.id);
    else if (escalated && standsIn() && !blocked) {
      satisfied.push(a.id);
      viaEscalation.push(a.id);
    } else missing.push({ authority: a.id, need: a.quorum, have });
  }
  const escalation =
    escalated && escalateTo
      ? { authority: escalateTo.id, need: escalateTo.quorum, have: escalationApprovers.size }
      : null;
  return { state, satisfied, viaEscalation, missing, escalated, escalation, decidedAtMs, rejectedBy };
}

/** The authorities a voter belongs to at `atMs`: by id in `members`, or by a team or role in their
 *  identity; the escalation role joins from `escalateAtMs` on. */
export function authoritiesOf(requirement: ApprovalRequirement, voter: Voter, atMs: number): ApprovalAuthority[] {
  const out = requirement.authorities.filter((a) => belongsTo(a, voter));
  const { escalateTo, escalateAtMs } = requirement;
  if (escalateTo && escalateAtMs !== null && atMs >= escalateAtMs && belongsTo(escalateTo, voter)) out.push(escalateTo);
  return out;
}

/** Listed in `members`, or holding the team (for a team) or the role (for a role) in their identity. */
function belongsTo(a: ApprovalAuthority, voter: Voter): boolean {
  if (a.members.includes(idOf(voter.id))) return true;
  return a.kind === 'team'
    ? voter.teams.some((t) => teamKey(t) === a.name)
    : voter.roles.some((r) => roleKey(r) === a.name);
}

function notEligible(requirement: ApprovalRequirement, atMs: number): string {
  const list = (a: ApprovalAuthority) =>
    `${a.id} (${a.members.length > 0 ? a.members.join(', ') : 'no listed members'})`;
  const { escalateTo, escalateAtMs } = requirement;
  const later =
    escalateTo && escalateAtMs !== null && atMs < escalateAtMs
      ? `; ${escalateTo.id} may vote from ${iso(escalateAtMs)} (escalation)`
      : '';
  return `not a member of ${requirement.authorities.map(list).join(', ')}${later}`;
}

function normalizeVote(vote: z.output<typeof voteSchema>, actionId: string): Vote {
  const id = normalizeMemberId(vote.voter.id);
  if (typeof id !== 'string') throw new InputError(`invalid vote on action ${actionId}: voter.id ${id.error}`);
  const voter: Voter = {
    ...vote.voter,
    id,
    roles: vote.voter.roles.map(roleKey),
    teams: vote.voter.teams.map(teamKey),
  };
  return vote.comment === undefined ? { ...vote, voter } : { ...vote, voter, comment: vote.comment };
}

/** Stored votes were normalised by castVote; others (hand-built) are normalised here, so a spelling
 *  difference cannot make the proposer a different person. */
function idOf(id: string): string {
  const n = normalizeMemberId(id);
  return typeof n === 'string' ? n : id;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
