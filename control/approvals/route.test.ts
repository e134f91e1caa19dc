import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { routeApproval, teamsFromCatalog } from './route.ts';
import { config, HOUR_MS, params, route, T0 } from './test-helpers.ts';

const ids = (r: ReturnType<typeof route>) => r.authorities.map((a) => a.id);
const authority = (r: ReturnType<typeof route>, id: string) => r.authorities.find((a) => a.id === id);

describe('routeApproval', () => {
  it('routes a routine change to the owning team, without the proposer, with the default times', () => {
    const r = route();
    expect(r.authorities).toEqual([
      {
        id: 'team:payments',
        kind: 'team',
        name: 'payments',
        members: ['bob', 'carol'],
        quorum: 1,
        why: 'the policy decision names payments, the owning team of payments-api',
      },
    ]);
    expect(r).toMatchObject({
      actionId: 'act-1',
      proposer: { id: 'alice', kind: 'human' },
      routedAtMs: T0,
      expiresAtMs: T0 + 24 * HOUR_MS,
      escalateAtMs: T0 + 2 * HOUR_MS,
      escalateTo: { id: 'role:platform-lead', members: ['pat', 'quinn'], quorum: 1 },
      humanRequired: false,
      problems: [],
      warnings: [],
    });
  });

  it('resolves policy approvers: configured and built-in names are roles, others teams, prefixes decide', () => {
    const r = route({
      decisionApprovers: ['payments', 'security', 'role:finance', 'team:search', 'group:default/search'],
    });
    expect(ids(r)).toEqual(['team:payments', 'role:security', 'role:finance', 'team:search']);
    expect(authority(r, 'role:security')?.why).toBe('the policy decision names security');
    expect(authority(r, 'team:search')?.why).toBe(
      'the policy decision names team:search; the policy decision names group:default/search',
    );
  });

  it('takes an unresolved $owner for the owning team', () => {
    expect(route({ decisionApprovers: ['$owner'] }).authorities[0]).toMatchObject({
      id: 'team:payments',
      why: 'the policy decision names $owner, the owning team of payments-api',
    });
  });

  it('adds finance when the size of the cost change is at least financeAboveUsdMonth, savings included', () => {
    expect(ids(route({ impact: { costUsdMonth: 999.99, errorBudgetCost: 0 } }))).toEqual(['team:payments']);
    const up = route({ impact: { costUsdMonth: 1000, errorBudgetCost: 0 } });
    expect(authority(up, 'role:finance')).toMatchObject({
      members: ['fay', 'fred'],
      quorum: 1,
      why: 'the cost change of +$1000/month is at least financeAboveUsdMonth ($1000)',
    });
    const down = route({ impact: { costUsdMonth: -2500.5, errorBudgetCost: 0 } });
    expect(authority(down, 'role:finance')?.why).toContain('-$2500.5/month');
  });

  it('adds finance for any cost change when the threshold is 0, never for none, and not when disabled', () => {
    const zero = config({ financeAboveUsdMonth: 0 });
    expect(ids(route({ config: zero, impact: { costUsdMonth: 0.01, errorBudgetCost: 0 } }))).toContain('role:finance');
    expect(ids(route({ config: zero, impact: { costUsdMonth: 0, errorBudgetCost: 0 } }))).not.toContain('role:finance');
    const off = config({ financeAboveUsdMonth: null });
    expect(ids(route({ config: off, impact: { costUsdMonth: 1e6, errorBudgetCost: 0 } }))).not.toContain(
      'role:finance',
    );
  });

  it('merges reasons when the policy and the impact ask for the same role', () => {
    const r = route({ decisionApprovers: ['payments', 'finance'], impact: { costUsdMonth: 1500, errorBudgetCost: 0 } });
    expect(ids(r)).toEqual(['team:payments', 'role:finance']);
    expect(authority(r, 'role:finance')?.why).toBe(
      'the policy decision names finance; the cost change of +$1500/month is at least financeAboveUsdMonth ($1000)',
    );
  });

  it('adds the platform lead for a tier-1 target, and asks two of the owning team', () => {
    const r = route({ target: { owner: 'payments', tier: 'tier-1', service: 'payments-api' } });
    expect(ids(r)).toEqual(['team:payments', 'role:platform-lead']);
    expect(authority(r, 'team:payments')?.quorum).toBe(2);
    expect(authority(r, 'role:platform-lead')?.why).toBe('payments-api is tier-1 (platformLeadTiers)');
  });

  it('adds the platform lead when the error budget left after the action falls below the threshold', () => {
    const thin = route({ errorBudgetRemaining: 0.3, impact: { costUsdMonth: 0, errorBudgetCost: 0.1 } });
    expect(authority(thin, 'role:platform-lead')?.why).toBe(
      'the error budget left after the action would be 0.2, below platformLeadBelowErrorBudget (0.25)',
    );
    expect(ids(route({ errorBudgetRemaining: 0.3 }))).toEqual(['team:payments']);
    expect(ids(route({ errorBudgetRemaining: null, impact: { costUsdMonth: 0, errorBudgetCost: 1 } }))).toEqual([
      'team:payments',
    ]);
    const onlyOverspent = config({ platformLeadBelowErrorBudget: 0 });
    expect(ids(route({ config: onlyOverspent, errorBudgetRemaining: 0 }))).toEqual(['team:payments']);
    expect(ids(route({ config: onlyOverspent, errorBudgetRemaining: -0.1 }))).toContain('role:platform-lead');
  });

  it('adds the platform lead for an irreversible action unless configured off', () => {
    expect(authority(route({ reversible: false }), 'role:platform-lead')?.why).toBe(
      'the action cannot be undone (platformLeadIfIrreversible)',
    );
    expect(ids(route({ reversible: false, config: config({ platformLeadIfIrreversible: false }) }))).toEqual([
      'team:payments',
    ]);
  });

  it('falls back to the owning team when nobody was named, so no action is approved by nobody', () => {
    const r = route({ decisionApprovers: [] });
    expect(r.authorities).toHaveLength(1);
    expect(r.authorities[0]).toMatchObject({
      id: 'team:payments',
      why: 'no rule named an approver; the owning team of payments-api decides',
    });
  });

  it('takes the highest applicable quorum: default, owner by tier, by authority', () => {
    const c = config({
      quorum: { default: 1, ownerByTier: { 'tier-1': 2 }, byAuthority: { 'team:payments': 3, 'role:finance': 2 } },
    });
    const r = route({
      config: c,
      proposer: { id: 'zed', kind: 'human' },
      decisionApprovers: ['payments', 'finance'],
      target: { owner: 'payments', tier: 'tier-1', service: 'payments-api' },
    });
    expect(r.authorities.map((a) => [a.id, a.quorum])).toEqual([
      ['team:payments', 3],
      ['role:finance', 2],
      ['role:platform-lead', 1],
    ]);
    expect(r.problems).toEqual([]);
  });

  it('reports an authority with fewer eligible members than its quorum, naming the proposer it excluded', () => {
    const r = route({
      teams: { payments: ['alice', 'bob'] },
      target: { owner: 'payments', tier: 'tier-1', service: 'payments-api' },
    });
    expect(authority(r, 'team:payments')).toMatchObject({ members: ['bob'], quorum: 2 });
    expect(r.problems).toEqual([
      'action act-1: team:payments needs 2 approval(s) but has 1 eligible member(s) in the catalog: bob (alice proposed the action and cannot approve it)',
    ]);
  });

  it('reports a role or team with no members instead of dropping it', () => {
    const r = route({ decisionApprovers: ['payments', 'legal', 'role:compliance'], config: config({ roles: {} }) });
    expect(r.problems).toEqual([
      'action act-1: team:legal needs 1 approval(s) but has 0 eligible member(s) in the catalog',
      'action act-1: role:compliance needs 1 approval(s) but has 0 eligible member(s) in approvals.roles.compliance',
    ]);
    expect(r.warnings).toEqual([
      'action act-1: escalation cannot approve: role:platform-lead needs 1 approval(s) but has 0 eligible member(s) in approvals.roles.platform-lead',
    ]);
  });

  it('treats names such as constructor as plain names, not object properties', () => {
    const r = route({ decisionApprovers: ['role:constructor', 'toString'] });
    expect(r.authorities.map((a) => [a.id, a.members])).toEqual([
      ['role:constructor', []],
      ['team:tostring', []],
    ]);
    expect(r.problems).toHaveLength(2);
  });

  it('reports an approver it cannot read', () => {
    expect(route({ decisionApprovers: ['group:a/b/c'] }).problems).toEqual([
      'action act-1: approver "group:a/b/c" is not a group name or ref ([group:][<namespace>/]<name>)',
    ]);
  });

  it('warns when a bare approver is both a role and a team, and takes the role', () => {
    const r = route({ decisionApprovers: ['security'], teams: { payments: ['bob'], security: ['sue'] } });
    expect(ids(r)).toEqual(['role:security']);
    expect(r.warnings).toEqual([
      'action act-1: approver "security" is both a role and a team; taken as role:security (write team:security for the team)',
    ]);
  });

  it('normalises ids so a spelling of the proposer cannot stay eligible', () => {
    const r = route({
      proposer: { id: 'user:default/Bob', kind: 'human' },
      teams: { 'group:default/Payments': ['user:default/alice', 'BOB', 'user:carol'] },
      target: { owner: 'group:default/payments', tier: 'tier-2', service: 'payments-api' },
    });
    expect(r.proposer.id).toBe('bob');
    expect(r.authorities[0]).toMatchObject({ id: 'team:payments', members: ['alice', 'carol'] });
  });

  it('requires humans for agents and the system by default, not for people, and not when configured off', () => {
    expect(route({ proposer: { id: 'rightsizer', kind: 'agent' } }).humanRequired).toBe(true);
    expect(route({ proposer: { id: 'aegis', kind: 'system' } }).humanRequired).toBe(true);
    expect(route({ proposer: { id: 'alice', kind: 'human' } }).humanRequired).toBe(false);
    const off = config({ humanRequiredForAgents: false });
    expect(route({ config: off, proposer: { id: 'rightsizer', kind: 'agent' } }).humanRequired).toBe(false);
  });

  it('sets expiry from expiryMs and no escalation when escalateAfterMs is 0', () => {
    const r = route({ config: config({ expiryMs: 60_000, escalateAfterMs: 0 }), nowMs: T0 + 5 });
    expect([r.expiresAtMs, r.escalateAtMs, r.escalateTo]).toEqual([T0 + 60_005, null, null]);
  });

  it('throws an InputError for a non-finite number or an unreadable proposer id', () => {
    expect(() => route({ impact: { costUsdMonth: Number.NaN, errorBudgetCost: 0 } })).toThrow(InputError);
    expect(() => route({ impact: { costUsdMonth: Number.NaN, errorBudgetCost: 0 } })).toThrow(
      'action act-1: impact.costUsdMonth must be a finite number (got NaN)',
    );
    expect(() => route({ errorBudgetRemaining: Number.POSITIVE_INFINITY })).toThrow('errorBudgetRemaining');
    expect(() => route({ proposer: { id: 'group:default/payments', kind: 'human' } })).toThrow(
      'action act-1: proposer.id "group:default/payments" is not a user',
    );
  });

  it('is pure: the same input gives the same requirement', () => {
    expect(routeApproval(params())).toEqual(routeApproval(params()));
  });
});

describe('teamsFromCatalog', () => {
  it('maps catalog teams to their members by normalised name', () => {
    expect(
      teamsFromCatalog([
        { name: 'Payments', members: ['alice'] },
        { name: 'payments', members: ['bob'] },
        { name: 'search', members: [] },
      ]),
    ).toEqual({ payments: ['alice', 'bob'], search: [] });
  });
});
