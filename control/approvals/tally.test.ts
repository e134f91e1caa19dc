import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, PolicyDeniedError } from '../../core/errors.ts';
import { VoteRefusedError } from './errors.ts';
import { castVote, tally } from './tally.ts';
import { config, HOUR_MS, human, route, T0, vote } from './test-helpers.ts';
import type { ApprovalAuthority, ApprovalRequirement, Vote, Voter } from './types.ts';

const TIER1 = { owner: 'payments', tier: 'tier-1', service: 'payments-api' } as const;

/** Casts each vote in turn; every one must be accepted. */
function castAll(req: ApprovalRequirement, votes: Vote[]): Vote[] {
  return votes.reduce<Vote[]>((acc, v) => castVote(req, acc, v), []);
}

function refusal(fn: () => unknown): VoteRefusedError {
  try {
    fn();
  } catch (err) {
    if (err instanceof VoteRefusedError) return err;
    throw err;
  }
  throw new Error('expected a VoteRefusedError');
}

describe('tally', () => {
  it('needs 2 of 3 of the owning team and the platform lead on a tier-1 target', () => {
    const req = route({ target: TIER1, proposer: { id: 'zed', kind: 'human' } });
    let votes = castAll(req, [vote(human('bob'), 'approve', 1000)]);
    expect(tally(req, votes, T0 + 1000)).toMatchObject({
      state: 'pending',
      satisfied: [],
      missing: [
        { authority: 'team:payments', need: 2, have: 1 },
        { authority: 'role:platform-lead', need: 1, have: 0 },
      ],
    });
    votes = castVote(req, votes, vote(human('carol'), 'approve', 2000));
    expect(tally(req, votes, T0 + 2000)).toMatchObject({ state: 'pending', satisfied: ['team:payments'] });
    votes = castVote(req, votes, vote(human('pat'), 'approve', 3000));
    expect(tally(req, votes, T0 + 3000)).toEqual({
      state: 'approved',
      satisfied: ['team:payments', 'role:platform-lead'],
      viaEscalation: [],
      missing: [],
      escalated: false,
      escalation: null,
      decidedAtMs: T0 + 3000,
      rejectedBy: null,
    });
  });

  it('counts a voter once per authority, for every authority they belong to', () => {
    const req = route({ target: TIER1, proposer: { id: 'zed', kind: 'human' } });
    // pat holds platform-lead and, by identity, the payments team scope.
    const pat = human('pat', { teams: ['payments'] });
    const votes = castAll(req, [vote(pat, 'approve', 1000)]);
    expect(tally(req, votes, T0 + 1000)).toMatchObject({
      state: 'pending',
      satisfied: ['role:platform-lead'],
      missing: [{ authority: 'team:payments', need: 2, have: 1 }],
    });
    const twice = [...votes, vote(pat, 'approve', 2000), vote(human('user:default/PAT'), 'approve', 3000)];
    expect(tally(req, twice, T0 + 3000).missing).toEqual([{ authority: 'team:payments', need: 2, have: 1 }]);
  });

  it('refuses a second vote by the same voter, except a reject withdrawing their approve', () => {
    const req = route({ target: TIER1, proposer: { id: 'zed', kind: 'human' } });
    const votes = castAll(req, [vote(human('bob'), 'approve', 1000)]);
    expect(() => castVote(req, votes, vote(human('user:default/bob'), 'approve', 2000))).toThrow(InputError);
    expect(() => castVote(req, votes, vote(human('bob'), 'approve', 2000))).toThrow(
      'human bob cannot vote on action act-1: already voted approve at 2026-01-01T00:00:01.000Z (a vote is final; only an approve may be withdrawn by a reject)',
    );
    const withdrawn = castVote(req, votes, vote(human('bob'), 'reject', 2000));
    expect(tally(req, withdrawn, T0 + 2000)).toMatchObject({ state: 'rejected', rejectedBy: 'bob' });
    const rejected = castAll(req, [vote(human('bob'), 'reject', 1000)]);
    expect(() => castVote(req, rejected, vote(human('bob'), 'approve', 2000))).toThrow('it was rejected at');
  });

  it('refuses the proposer, however spelled (separation of duties), and never counts their vote', () => {
    const req = route({ proposer: { id: 'user:default/alice', kind: 'human' } });
    const err = refusal(() => castVote(req, [], vote(human('User:Alice'), 'approve')));
    expect(err).toBeInstanceOf(PolicyDeniedError);
    expect(err).toMatchObject({ code: 'POLICY_DENIED', reason: 'self_approval', actionId: 'act-1', voterId: 'alice' });
    expect(err.message).toBe('human alice cannot vote on action act-1: they proposed it (separation of duties)');
    // A vote that bypassed castVote (a hand-edited store) still does not count.
    const self = human('alice', { teams: ['payments'] });
    expect(tally(req, [vote(self, 'approve')], T0 + 1000).state).toBe('pending');
    expect(tally(req, [vote(self, 'reject')], T0 + 1000).state).toBe('pending');
  });

  it("refuses an agent's vote on an agent's action when a human is required, and never counts it", () => {
    const req = route({ proposer: { id: 'rightsizer', kind: 'agent' } });
    const bot: Voter = { id: 'janitor', kind: 'agent', roles: [], teams: ['payments'] };
    const err = refusal(() => castVote(req, [], vote(bot, 'approve')));
    expect(err).toMatchObject({ reason: 'human_required', voterId: 'janitor' });
    expect(err.message).toBe(
      'agent janitor cannot vote on action act-1: it was proposed by agent rightsizer and only human votes count',
    );
    expect(tally(req, [vote(bot, 'approve')], T0 + 1000).state).toBe('pending');
    expect(tally(req, castAll(req, [vote(human('bob'), 'approve')]), T0 + 1000).state).toBe('approved');
  });

  it("counts an agent's vote when no human is required", () => {
    const req = route({
      proposer: { id: 'rightsizer', kind: 'agent' },
      config: config({ humanRequiredForAgents: false }),
    });
    const bot: Voter = { id: 'janitor', kind: 'agent', roles: [], teams: ['payments'] };
    expect(tally(req, castAll(req, [vote(bot, 'approve')]), T0 + 1000).state).toBe('approved');
  });

  it('refuses a voter who belongs to no authority, and says who may vote', () => {
    const req = route();
    const err = refusal(() => castVote(req, [], vote(human('dave', { teams: ['search'] }), 'approve')));
    expect(err.reason).toBe('not_eligible');
    expect(err.message).toBe(
      'human dave cannot vote on action act-1: not a member of team:payments (bob, carol); role:platform-lead may vote from 2026-01-01T02:00:00.000Z (escalation)',
    );
    expect(tally(req, [vote(human('dave'), 'reject')], T0 + 1000).state).toBe('pending');
  });

  it("admits a voter by their identity's team or role scope", () => {
    const req = route({ decisionApprovers: ['payments', 'security'] });
    const votes = castAll(req, [
      vote(human('newcomer', { teams: ['group:default/payments'] }), 'approve', 1000),
      vote(human('auditor', { roles: ['Security'] }), 'approve', 2000),
    ]);
    expect(tally(req, votes, T0 + 2000)).toMatchObject({ state: 'approved', decidedAtMs: T0 + 2000 });
  });

  it('rejects on one reject from a member of any authority, and takes no more votes', () => {
    const req = route({ decisionApprovers: ['payments', 'finance'] });
    const votes = castAll(req, [vote(human('bob'), 'approve', 1000), vote(human('fay'), 'reject', 2000)]);
    expect(tally(req, votes, T0 + 5000)).toMatchObject({
      state: 'rejected',
      rejectedBy: 'fay',
      decidedAtMs: T0 + 2000,
      satisfied: ['team:payments'],
    });
    expect(() => castVote(req, votes, vote(human('fred'), 'approve', 3000))).toThrow(
      'human fred cannot vote on action act-1: it was rejected at 2026-01-01T00:00:02.000Z',
    );
  });

  it('keeps the first decision: a reject after the approval does not undo it', () => {
    const req = route();
    const votes = castAll(req, [vote(human('bob'), 'approve', 1000)]);
    expect(() => castVote(req, votes, vote(human('carol'), 'reject', 2000))).toThrow('it was approved at');
    const late = [...votes, vote(human('carol'), 'reject', 2000)];
    expect(tally(req, late, T0 + 3000)).toMatchObject({ state: 'approved', decidedAtMs: T0 + 1000 });
  });

  it('expires at expiresAtMs while pending, and ignores votes from then on', () => {
    const req = route();
    expect(tally(req, [], req.expiresAtMs - 1).state).toBe('pending');
    expect(tally(req, [], req.expiresAtMs)).toMatchObject({ state: 'expired', decidedAtMs: null });
    const late = vote(human('bob'), 'approve', 24 * HOUR_MS);
    expect(tally(req, [late], req.expiresAtMs + 1).state).toBe('expired');
    expect(() => castVote(req, [], late)).toThrow(
      'human bob cannot vote on action act-1: it was expired at 2026-01-02T00:00:00.000Z',
    );
  });

  it('escalates at escalateAtMs: the platform lead may then approve in place of the missing authority', () => {
    const req = route({ decisionApprovers: ['payments', 'finance'] });
    expect(tally(req, [], req.escalateAtMs! - 1)).toMatchObject({ escalated: false, escalation: null });
    expect(tally(req, [], req.escalateAtMs!)).toMatchObject({
      state: 'pending',
      escalated: true,
      escalation: { authority: 'role:platform-lead', need: 1, have: 0 },
    });
    const before = vote(human('pat'), 'approve', 2 * HOUR_MS - 1);
    expect(refusal(() => castVote(req, [], before)).reason).toBe('not_eligible');
    const votes = castAll(req, [vote(human('bob'), 'approve', 1000), vote(human('pat'), 'approve', 2 * HOUR_MS)]);
    expect(tally(req, votes, T0 + 3 * HOUR_MS)).toMatchObject({
      state: 'approved',
      satisfied: ['team:payments', 'role:finance'],
      viaEscalation: ['role:finance'],
      missing: [],
      escalated: true,
      decidedAtMs: T0 + 2 * HOUR_MS,
    });
  });

  it("lets a platform lead's earlier approval stand in from the moment escalation starts", () => {
    const req = route({ target: TIER1, proposer: { id: 'zed', kind: 'human' } });
    const votes = castAll(req, [vote(human('pat'), 'approve', 1000)]);
    expect(tally(req, votes, req.escalateAtMs! - 1).state).toBe('pending');
    expect(tally(req, votes, req.escalateAtMs!)).toMatchObject({
      state: 'approved',
      decidedAtMs: req.escalateAtMs,
      viaEscalation: ['team:payments'],
    });
  });

  it('lets an escalation member reject once escalated', () => {
    const req = route();
    const votes = castAll(req, [vote(human('quinn'), 'reject', 3 * HOUR_MS)]);
    expect(tally(req, votes, T0 + 3 * HOUR_MS)).toMatchObject({ state: 'rejected', rejectedBy: 'quinn' });
  });

  it('never escalates when escalation is disabled', () => {
    const req = route({ config: config({ escalateAfterMs: 0 }) });
    expect(tally(req, [], T0 + 23 * HOUR_MS)).toMatchObject({ state: 'pending', escalated: false });
    expect(refusal(() => castVote(req, [], vote(human('pat'), 'approve', 3 * HOUR_MS))).reason).toBe('not_eligible');
  });

  it('takes no votes and never approves when routing found problems', () => {
    const req = route({ target: TIER1, teams: { payments: ['alice', 'bob'] } });
    expect(req.problems).toHaveLength(1);
    expect(() => castVote(req, [], vote(human('bob'), 'approve'))).toThrow(
      'human bob cannot vote on action act-1: its approval routing has problems (action act-1: team:payments needs 2 approval(s)',
    );
    const claimed = [
      vote(human('bob'), 'approve', 1000),
      vote(human('newcomer', { teams: ['payments'] }), 'approve', 2000),
      vote(human('pat'), 'approve', 3000),
    ];
    expect(tally(req, claimed, T0 + 4000).state).toBe('pending');
    expect(tally(req, claimed, req.expiresAtMs).state).toBe('expired');
  });

  it('refuses malformed votes and votes out of time order', () => {
    const req = route();
    expect(() => castVote(req, [], { ...vote(human('bob'), 'approve'), decision: 'maybe' as 'approve' })).toThrow(
      /invalid vote on action act-1: .*\n.*→ at decision/,
    );
    expect(() => castVote(req, [], { ...vote(human('bob'), 'approve'), atMs: Number.NaN })).toThrow(
      /expected number, received NaN\n.*→ at atMs/,
    );
    expect(() => castVote(req, [], { ...vote(human('bob'), 'approve'), atMs: Number.POSITIVE_INFINITY })).toThrow(
      /→ at atMs/,
    );
    expect(() => castVote(req, [], vote(human('bob'), 'approve', -1))).toThrow(
      'human bob cannot vote on action act-1 at 2025-12-31T23:59:59.999Z: before routing at 2026-01-01T00:00:00.000Z',
    );
    const req2 = route({ target: TIER1, proposer: { id: 'zed', kind: 'human' } });
    const votes = castAll(req2, [vote(human('bob'), 'approve', 5000)]);
    expect(() => castVote(req2, votes, vote(human('carol'), 'approve', 4000))).toThrow(
      'before the last vote at 2026-01-01T00:00:05.000Z',
    );
  });

  it('normalises the stored vote and fills identity defaults', () => {
    const req = route();
    const [stored] = castVote(req, [], {
      voter: { id: 'user:default/Bob', kind: 'human' },
      decision: 'approve',
      atMs: T0 + 1,
    });
    expect(stored).toEqual({
      voter: { id: 'bob', kind: 'human', roles: [], teams: [] },
      decision: 'approve',
      atMs: T0 + 1,
    });
  });

  it('ignores votes after nowMs and tallies votes given in any order', () => {
    const req = route({ target: TIER1, proposer: { id: 'zed', kind: 'human' } });
    const votes = [
      vote(human('pat'), 'approve', 3000),
      vote(human('carol'), 'approve', 2000),
      vote(human('bob'), 'approve', 1000),
    ];
    expect(tally(req, votes, T0 + 2999).state).toBe('pending');
    expect(tally(req, votes, T0 + 3000)).toMatchObject({ state: 'approved', decidedAtMs: T0 + 3000 });
  });
});

describe('tally properties', () => {
  const PEOPLE = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];
  const NAMES = ['a', 'b', 'c'];
  const authorityArb = (kind: 'team' | 'role', name: string) =>
    fc
      .record({
        members: fc.subarray(PEOPLE),
        quorum: fc.integer({ min: 1, max: 3 }),
      })
      .map(
        ({ members, quorum }): ApprovalAuthority => ({
          id: `${kind}:${name}`,
          kind,
          name,
          members,
          quorum,
          why: 'test',
        }),
      );
  const requirementArb = fc
    .record({
      authorities: fc
        .uniqueArray(fc.tuple(fc.constantFrom<'team' | 'role'>('team', 'role'), fc.constantFrom(...NAMES)), {
          minLength: 1,
          maxLength: 3,
          selector: ([k, n]) => `${k}:${n}`,
        })
        .chain((keys) => fc.tuple(...keys.map(([k, n]) => authorityArb(k, n)))),
      proposer: fc.record({ id: fc.constantFrom(...PEOPLE), kind: fc.constantFrom<Voter['kind']>('human', 'agent') }),
      humanRequired: fc.boolean(),
      escalation: fc.option(fc.tuple(fc.integer({ min: 1, max: 50 }), authorityArb('role', 'lead'))),
    })
    .map(
      (r): ApprovalRequirement => ({
        actionId: 'act-p',
        proposer: r.proposer,
        authorities: r.authorities,
        routedAtMs: 0,
        expiresAtMs: 100,
        escalateAtMs: r.escalation ? r.escalation[0] : null,
        escalateTo: r.escalation ? r.escalation[1] : null,
        humanRequired: r.humanRequired,
        problems: [],
        warnings: [],
      }),
    );
  const voteArb = fc.record({
    voter: fc.record({
      id: fc.constantFrom(...PEOPLE),
      kind: fc.constantFrom<Voter['kind']>('human', 'human', 'agent', 'system'),
      roles: fc.subarray([...NAMES, 'lead']),
      teams: fc.subarray(NAMES),
    }),
    decision: fc.constantFrom<Vote['decision']>('approve', 'approve', 'approve', 'reject'),
    atMs: fc.integer({ min: 0, max: 120 }),
  });

  /** Independent of the implementation: the distinct eligible approvers of `a` up to `untilMs`. */
  function approversOf(req: ApprovalRequirement, a: ApprovalAuthority, votes: Vote[], untilMs: number): Set<string> {
    const ids = votes
      .filter((v) => v.decision === 'approve' && v.atMs <= untilMs && v.atMs < req.expiresAtMs)
      .filter((v) => v.voter.id !== req.proposer.id && (!req.humanRequired || v.voter.kind === 'human'))
      .filter(
        (v) => a.members.includes(v.voter.id) || (a.kind === 'team' ? v.voter.teams : v.voter.roles).includes(a.name),
      )
      .map((v) => v.voter.id);
    return new Set(ids);
  }

  it('never approves without every authority at its quorum of distinct eligible non-proposer voters (or escalation)', () => {
    fc.assert(
      fc.property(
        requirementArb,
        fc.array(voteArb, { maxLength: 12 }),
        fc.integer({ min: 0, max: 150 }),
        (req, votes, nowMs) => {
          const result = tally(req, votes, nowMs);
          if (result.state !== 'approved') return;
          const at = result.decidedAtMs!;
          expect(at).toBeLessThan(req.expiresAtMs);
          expect(at).toBeLessThanOrEqual(nowMs);
          const escalated =
            req.escalateTo !== null &&
            req.escalateAtMs! <= at &&
            approversOf(req, req.escalateTo, votes, at).size >= req.escalateTo.quorum;
          for (const a of req.authorities) {
            if (!escalated) expect(approversOf(req, a, votes, at).size).toBeGreaterThanOrEqual(a.quorum);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("gives the same outcome without the proposer's votes and, when humans are required, without non-human votes", () => {
    fc.assert(
      fc.property(
        requirementArb,
        fc.array(voteArb, { maxLength: 12 }),
        fc.integer({ min: 0, max: 150 }),
        (req, votes, nowMs) => {
          const counted = votes.filter(
            (v) => v.voter.id !== req.proposer.id && (!req.humanRequired || v.voter.kind === 'human'),
          );
          expect(tally(req, counted, nowMs)).toEqual(tally(req, votes, nowMs));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('accepts through castVote only votes that count, so the stored log tallies like the raw attempts', () => {
    fc.assert(
      fc.property(requirementArb, fc.array(voteArb, { maxLength: 12 }), (req, attempts) => {
        const sorted = [...attempts].sort((x, y) => x.atMs - y.atMs);
        let log: Vote[] = [];
        for (const v of sorted) {
          try {
            log = castVote(req, log, v);
          } catch (err) {
            expect(err instanceof InputError || err instanceof VoteRefusedError).toBe(true);
          }
        }
        for (const v of log) {
          expect(v.voter.id).not.toBe(req.proposer.id);
          if (req.humanRequired) expect(v.voter.kind).toBe('human');
        }
        // What castVote refused would not have changed the tally either.
        expect(tally(req, log, 150)).toEqual(tally(req, sorted, 150));
      }),
      { numRuns: 1000 },
    );
  });
});
