import { describe, expect, it } from 'vitest';
import { policyInputSchema, toActivation } from './input.ts';
import { sampleInput } from './test-helpers.ts';

describe('policyInputSchema', () => {
  it('fills the defaults of params, dryRun, tags, roles and the context', () => {
    const input = policyInputSchema.parse({
      action: { id: 'a', type: 'restart', reversible: true },
      target: { kind: 'Component', name: 'api', service: 'api', owner: 't', tier: 'tier-3', env: 'staging' },
      impact: { costUsdMonth: 0, errorBudgetCost: 0, blastRadius: 1 },
      actor: { id: 'x', kind: 'system' },
    });
    expect(input.action).toMatchObject({ params: {}, dryRun: false });
    expect(input.target.tags).toEqual([]);
    expect(input.actor.roles).toEqual([]);
    expect(input.context).toEqual({
      openIncidents: 0,
      burnRate: { firing: false, severity: 'none' },
      changeWindow: false,
      freeze: false,
    });
  });

  it('rejects an unknown tier, actor kind, field, and an error budget cost above 1', () => {
    const base = sampleInput();
    const bad = (over: Record<string, unknown>) => policyInputSchema.safeParse({ ...base, ...over }).success;
    expect(bad({ target: { ...base.target, tier: 'gold' } })).toBe(false);
    expect(bad({ actor: { ...base.actor, kind: 'robot' } })).toBe(false);
    expect(bad({ actor: { ...base.actor, nickname: 'al' } })).toBe(false);
    expect(bad({ impact: { ...base.impact, errorBudgetCost: 1.5 } })).toBe(false);
    expect(bad({ impact: { ...base.impact, blastRadius: 2.5 } })).toBe(false);
  });
});

describe('toActivation', () => {
  it('turns integer fields and whole params into BigInt and leaves money as a number', () => {
    const a = toActivation(
      sampleInput({ action: { params: { replicas: 3, ratio: 0.5, nested: { n: 2 } } }, context: { openIncidents: 1 } }),
      Date.UTC(2026, 0, 4, 5, 30),
    ) as Record<string, Record<string, unknown>>;
    expect(a.action!.params).toEqual({ replicas: 3n, ratio: 0.5, nested: { n: 2n } });
    expect(a.impact).toEqual({ costUsdMonth: 10, errorBudgetCost: 0, blastRadius: 1n });
    expect(a.context).toMatchObject({
      openIncidents: 1n,
      hourUtc: 5n,
      dayOfWeekUtc: 0n,
      nowMs: BigInt(Date.UTC(2026, 0, 4, 5, 30)),
    });
    expect(a.context!.now).toBeInstanceOf(Date);
  });
});
