import { afterEach, describe, expect, it } from 'vitest';
import { INPUT_ERROR_ID, type PolicySet } from './engine.ts';
import { loadPolicySet } from './load.ts';
import { policyDir, policySetYaml, ruleYaml, sampleInput } from './test-helpers.ts';

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup) fn();
  cleanup = [];
});

/** A policy set of the given rule items, with `require_approval` as the configured default. */
function setOf(rules: string, extra = ''): PolicySet {
  const d = policyDir({ 'a.yaml': policySetYaml(rules, extra) });
  cleanup.push(d.remove);
  return loadPolicySet({ dir: d.dir, defaultEffect: 'require_approval' });
}

const NOW = Date.UTC(2026, 0, 1, 12);

describe('PolicySet.evaluate combining', () => {
  it('lets deny beat require_approval beat allow and lists every matched rule in order', () => {
    const set = setOf(
      ruleYaml('ok', 'true', 'allow') +
        ruleYaml('ask', 'true', 'require_approval', '      approvers: [security]\n') +
        ruleYaml('no', 'action.type == "scale"', 'deny'),
    );
    const d = set.evaluate(sampleInput(), { nowMs: NOW });
    expect(d.effect).toBe('deny');
    expect(d.matched.map((m) => m.id)).toEqual(['ok', 'ask', 'no']);
    expect(d.approvers).toEqual([]);
    expect(d.defaultApplied).toBe(false);
    expect(d.policyHash).toBe(set.hash);
    expect(d.evaluatedAt).toBe('2026-01-01T12:00:00.000Z');
  });

  it('requires the union of approvers when the strongest match is require_approval', () => {
    const set = setOf(
      ruleYaml('ok', 'true', 'allow') +
        ruleYaml('cost', 'impact.costUsdMonth > 5.0', 'require_approval', '      approvers: [$owner, finance]\n') +
        ruleYaml('sec', 'true', 'require_approval', '      approvers: [security, finance]\n'),
    );
    const d = set.evaluate(sampleInput());
    expect(d.effect).toBe('require_approval');
    expect(d.approvers).toEqual(['payments', 'finance', 'security']);
    expect(d.matched[1]).toEqual({
      id: 'cost',
      effect: 'require_approval',
      reason: 'because cost',
      approvers: ['payments', 'finance'],
    });
  });

  it('allows when only allow rules match', () => {
    const d = setOf(ruleYaml('ok', 'action.reversible', 'allow') + ruleYaml('no', 'false', 'deny')).evaluate(
      sampleInput(),
    );
    expect(d).toMatchObject({ effect: 'allow', defaultApplied: false, errors: [] });
  });

  it('applies the configured default when no rule matches', () => {
    const d = setOf(ruleYaml('no', 'context.freeze', 'deny')).evaluate(sampleInput());
    expect(d).toMatchObject({ effect: 'require_approval', matched: [], defaultApplied: true });
  });

  it('applies a PolicySet default over the configured one', () => {
    const d = setOf(ruleYaml('no', 'context.freeze', 'deny'), '  default: allow\n').evaluate(sampleInput());
    expect(d).toMatchObject({ effect: 'allow', defaultApplied: true });
  });

  it('gives the same answer through the action.type index as without it', () => {
    // `other` errors on the absent resourceId, but its guard is false: CEL's && is then false.
    const set = setOf(
      ruleYaml('other', 'target.resourceId == "i-1" && action.type == "restart"', 'deny') +
        ruleYaml('scale', 'action.type in ["scale", "rightsize"] && impact.blastRadius < 5', 'allow'),
    );
    expect(set.evaluate(sampleInput())).toMatchObject({ effect: 'allow', errors: [] });
    expect(set.evaluate(sampleInput({ action: { type: 'restart' } }))).toMatchObject({
      effect: 'deny',
      errors: [{ id: 'other', message: 'No such key: resourceId' }],
    });
    expect(set.evaluate(sampleInput({ action: { type: 'unknown_type' } })).defaultApplied).toBe(true);
  });
});

describe('PolicySet.evaluate failing closed', () => {
  it('counts a deny rule whose when throws as matched, so the action is still denied', () => {
    const set = setOf(ruleYaml('ok', 'true', 'allow') + ruleYaml('zero', 'action.params.replicas == 0', 'deny'));
    const d = set.evaluate(sampleInput({ action: { params: {} } }));
    expect(d.effect).toBe('deny');
    expect(d.matched.map((m) => [m.id, m.failedClosed])).toEqual([
      ['ok', undefined],
      ['zero', true],
    ]);
    expect(d.errors).toEqual([{ id: 'zero', message: 'No such key: replicas' }]);
  });

  it('counts a require_approval rule whose when throws as matched, with its approvers', () => {
    const d = setOf(
      ruleYaml('ok', 'true', 'allow') +
        ruleYaml('big', 'action.params.size > 10', 'require_approval', '      approvers: [$owner]\n'),
    ).evaluate(sampleInput({ action: { params: { size: 'large' } } }));
    expect(d).toMatchObject({ effect: 'require_approval', approvers: ['payments'] });
    expect(d.errors[0]!.id).toBe('big');
  });

  it('never lets an allow rule that errors grant anything, and lifts allow to require_approval', () => {
    const d = setOf(
      ruleYaml('ok', 'true', 'allow') + ruleYaml('broken-allow', 'action.params.x == 1', 'allow'),
    ).evaluate(sampleInput());
    expect(d.effect).toBe('require_approval');
    expect(d.matched.map((m) => m.id)).toEqual(['ok']);
    expect(d.errors.map((e) => e.id)).toEqual(['broken-allow']);
  });

  it('lifts an allow default to require_approval when a rule errored', () => {
    const d = setOf(ruleYaml('broken-allow', 'action.params.x == 1', 'allow'), '  default: allow\n').evaluate(
      sampleInput(),
    );
    expect(d).toMatchObject({ effect: 'require_approval', defaultApplied: true, matched: [] });
  });

  it('treats a non-bool result (a CEL int, a BigInt) as an error and says its type', () => {
    const d = setOf(ruleYaml('dyn', 'action.params.count', 'deny')).evaluate(
      sampleInput({ action: { params: { count: 2 } } }),
    );
    expect(d.effect).toBe('deny');
    expect(d.errors).toEqual([{ id: 'dyn', message: 'when must return a bool (got int 2)' }]);
    expect(() => JSON.stringify(d)).not.toThrow();
  });
});

describe('PolicySet.evaluate numbers', () => {
  it('passes integer fields as CEL ints, so int arithmetic works', () => {
    const set = setOf(
      ruleYaml('incidents', 'context.openIncidents + 1 > 2', 'deny') +
        ruleYaml('blast', 'impact.blastRadius * 2 >= 10', 'deny') +
        ruleYaml('replicas', 'action.params.replicas - 1 == 2', 'require_approval'),
    );
    const d = set.evaluate(
      sampleInput({ context: { openIncidents: 2 }, impact: { blastRadius: 5n }, action: { params: { replicas: 3 } } }),
    );
    expect(d.matched.map((m) => m.id)).toEqual(['incidents', 'blast', 'replicas']);
    expect(d.errors).toEqual([]);
  });

  it('passes money as a CEL double, comparable with int and double literals', () => {
    const set = setOf(
      ruleYaml('a', 'impact.costUsdMonth > 500', 'deny') + ruleYaml('b', 'impact.costUsdMonth <= 500.5', 'allow'),
    );
    expect(set.evaluate(sampleInput({ impact: { costUsdMonth: 500 } })).effect).toBe('allow');
    expect(set.evaluate(sampleInput({ impact: { costUsdMonth: 500.01 } })).effect).toBe('deny');
  });

  it('keeps fractional params as doubles and whole ones as ints', () => {
    const set = setOf(ruleYaml('frac', 'action.params.ratio > 0.5 && action.params.n == 3', 'deny'));
    expect(set.evaluate(sampleInput({ action: { params: { ratio: 0.75, n: 3 } } })).effect).toBe('deny');
  });

  it('exposes the decision time as a timestamp and as nowMs', () => {
    const set = setOf(ruleYaml('night', 'context.now.getHours("UTC") < 6 && context.nowMs > 0', 'deny'));
    expect(set.evaluate(sampleInput(), { nowMs: Date.UTC(2026, 0, 1, 3) }).effect).toBe('deny');
    expect(set.evaluate(sampleInput(), { nowMs: Date.UTC(2026, 0, 1, 12) }).effect).toBe('require_approval');
    // A nowMs in the input wins over the clock (replaying a decision).
    expect(set.evaluate(sampleInput({ context: { nowMs: Date.UTC(2026, 0, 1, 2) } }), { nowMs: NOW }).effect).toBe(
      'deny',
    );
  });
});

describe('PolicySet.evaluate on input that skipped validation', () => {
  it('denies and records the problem instead of throwing', () => {
    const input = sampleInput();
    const broken = { ...input, impact: { ...input.impact, blastRadius: 2.5 } };
    const d = setOf(ruleYaml('ok', 'true', 'allow')).evaluate(broken);
    expect(d.effect).toBe('deny');
    expect(d.errors).toEqual([{ id: INPUT_ERROR_ID, message: expect.stringMatching(/^invalid input: /) }]);
  });
});
