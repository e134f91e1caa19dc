import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { loadPolicySet } from './load.ts';
import { policyDir, policySetYaml, ruleYaml } from './test-helpers.ts';

const EXAMPLES = fileURLToPath(new URL('../../policies', import.meta.url));

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup) fn();
  cleanup = [];
});

function dirWith(files: Record<string, string>): ReturnType<typeof policyDir> {
  const d = policyDir(files);
  cleanup.push(d.remove);
  return d;
}

/** The ConfigError message of loading `files`, with the temp directory replaced by `DIR`. */
function loadError(files: Record<string, string>): string {
  const d = dirWith(files);
  try {
    loadPolicySet({ dir: d.dir, defaultEffect: 'require_approval' });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message.split(d.dir).join('DIR');
  }
  throw new Error('expected the load to fail');
}

describe('loadPolicySet', () => {
  it('loads the example policies in file order, skipping test files', () => {
    const set = loadPolicySet({ dir: EXAMPLES, defaultEffect: 'require_approval' });
    expect(set.files).toEqual(['risk.yaml', 'routine.yaml', 'safety.yaml']);
    expect(set.rules.map((r) => r.id)).toContain('deny-stop-tier1-production');
    expect(set.rules[0]!.source).toMatch(/risk\.yaml:\d+:\d+$/);
    expect(set.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(set.defaultEffect).toBe('require_approval');
  });

  it('indexes rules by their action.type guard', () => {
    const set = loadPolicySet({ dir: EXAMPLES, defaultEffect: 'deny' });
    const byId = new Map(set.rules.map((r) => [r.id, r]));
    expect([...byId.get('approve-access-changes')!.actionTypes!]).toEqual(['revoke_access', 'enforce_mfa']);
    expect([...byId.get('deny-stop-tier1-production')!.actionTypes!]).toEqual(['stop_idle']);
    expect(byId.get('deny-during-freeze')!.actionTypes).toBeNull();
  });

  it('reports a YAML syntax error with its file, line and column', () => {
    const message = loadError({ 'a.yaml': policySetYaml('    - id: x\n      when: [true\n') });
    expect(message).toMatch(/^invalid policy set in DIR \(1 problem\):\n {2}DIR\/a\.yaml:\d+:\d+: YAML syntax error: /);
  });

  it('reports an unknown effect naming the rule', () => {
    const message = loadError({ 'a.yaml': policySetYaml(ruleYaml('r1', 'true', 'maybe')) });
    expect(message).toContain(
      'DIR/a.yaml:9:7: rule r1: effect: must be one of "allow", "require_approval", "deny" (got "maybe")',
    );
  });

  it('reports a duplicate rule id across files with both places', () => {
    const message = loadError({
      'a.yaml': policySetYaml(ruleYaml('same', 'true', 'allow')),
      'b.yaml': policySetYaml(ruleYaml('same', 'false', 'deny')),
    });
    expect(message).toContain('DIR/b.yaml:7:7: rule same: id: duplicate rule id (first defined at DIR/a.yaml:7:7)');
  });

  it('reports a CEL syntax error at its line and column in the file and its offset in the expression', () => {
    const message = loadError({
      'a.yaml': policySetYaml(
        '    - id: bad\n      when: target.tier == && true\n      effect: deny\n      reason: r\n',
      ),
    });
    // `&&` is the 16th character of the expression, which starts at column 13.
    expect(message).toContain('DIR/a.yaml:8:28: rule bad: when: Unexpected token: AND at offset 15');
  });

  it('maps a CEL error inside a folded multi-line expression to its line', () => {
    const rule = [
      '    - id: typo',
      '      when: >-',
      '        action.type == "scale"',
      '        && target.teir == "tier-1"',
      '      effect: deny',
      '      reason: r',
      '',
    ].join('\n');
    expect(loadError({ 'a.yaml': policySetYaml(rule) })).toContain(
      'DIR/a.yaml:10:19: rule typo: when: No such key: teir at offset 33',
    );
  });

  it('maps a CEL error inside a double-quoted expression', () => {
    expect(loadError({ 'a.yaml': policySetYaml(ruleYaml('open', 'action.type == "x" && (', 'deny')) })).toMatch(
      /DIR\/a\.yaml:8:\d+: rule open: when: Unexpected token: EOF at offset 23/,
    );
  });

  it('rejects a when that cannot be a bool and an int/double mix at load', () => {
    const message = loadError({
      'a.yaml': policySetYaml(
        ruleYaml('int', 'impact.blastRadius + 1', 'deny') + ruleYaml('mix', 'impact.costUsdMonth + 1 > 2.0', 'deny'),
      ),
    });
    expect(message).toContain('rule int: when: must be a bool expression (got int) at offset 0');
    expect(message).toContain('rule mix: when: no such overload: double + int at offset 0');
  });

  it('reports a missing when, a missing reason and approvers on a deny rule', () => {
    const message = loadError({
      'a.yaml': policySetYaml(
        '    - id: nowhen\n      effect: allow\n      reason: r\n' +
          '    - id: noreason\n      when: "true"\n      effect: allow\n' +
          ruleYaml('deny-approvers', 'true', 'deny', '      approvers: [security]\n'),
      ),
    });
    expect(message).toContain('(3 problems)');
    expect(message).toContain('rule nowhen: when: is required');
    expect(message).toContain('rule noreason: reason: is required');
    expect(message).toContain('rule deny-approvers: approvers: only applies to effect require_approval (got deny)');
  });

  it('collects the problems of every file into one error', () => {
    const message = loadError({
      'a.yaml': policySetYaml(ruleYaml('a', 'true &&', 'deny')),
      'sub/b.yml': 'apiVersion: aegis/v2\nkind: PolicySet\nmetadata: {name: b}\nspec: {rules: []}\n',
    });
    expect(message).toContain('(2 problems)');
    expect(message).toContain('DIR/a.yaml:8:');
    expect(message).toContain('DIR/sub/b.yml:1:1: apiVersion: must be "aegis/v1"');
  });

  it('rejects PolicySets that disagree on the default', () => {
    const message = loadError({
      'a.yaml': policySetYaml(ruleYaml('a', 'true', 'allow'), '  default: deny\n'),
      'b.yaml': policySetYaml(ruleYaml('b', 'true', 'allow'), '  default: allow\n'),
    });
    expect(message).toMatch(/spec\.default: PolicySets disagree on the default \(deny at DIR\/a\.yaml:6:3, allow at/);
  });

  it('takes the default from a PolicySet over the configured one', () => {
    const d = dirWith({ 'a.yaml': policySetYaml(ruleYaml('a', 'false', 'allow'), '  default: deny\n') });
    expect(loadPolicySet({ dir: d.dir, defaultEffect: 'allow' }).defaultEffect).toBe('deny');
  });

  it('fails when the directory holds no PolicySet file', () => {
    const d = dirWith({ 'only_test.yaml': 'x: 1\n' });
    expect(() => loadPolicySet({ dir: d.dir, defaultEffect: 'deny' })).toThrow(
      `policy directory ${d.dir} holds no PolicySet *.yaml or *.yml files`,
    );
  });

  it('fails when the directory does not exist', () => {
    expect(() => loadPolicySet({ dir: '/nonexistent/policies', defaultEffect: 'deny' })).toThrow(
      'policy directory /nonexistent/policies does not exist',
    );
  });
});

describe('policy set hash', () => {
  it('is stable for the same files and changes when a file changes', () => {
    const d = dirWith({ 'a.yaml': policySetYaml(ruleYaml('a', 'true', 'allow')) });
    const first = loadPolicySet({ dir: d.dir, defaultEffect: 'deny' }).hash;
    expect(loadPolicySet({ dir: d.dir, defaultEffect: 'deny' }).hash).toBe(first);
    d.write('a.yaml', policySetYaml(ruleYaml('a', 'false', 'allow')));
    expect(loadPolicySet({ dir: d.dir, defaultEffect: 'deny' }).hash).not.toBe(first);
  });

  it('changes when a file is added or renamed, and with the configured default', () => {
    const d = dirWith({ 'a.yaml': policySetYaml(ruleYaml('a', 'true', 'allow')) });
    const first = loadPolicySet({ dir: d.dir, defaultEffect: 'deny' }).hash;
    expect(loadPolicySet({ dir: d.dir, defaultEffect: 'allow' }).hash).not.toBe(first);
    d.write('b.yaml', policySetYaml(ruleYaml('b', 'true', 'allow')));
    expect(loadPolicySet({ dir: d.dir, defaultEffect: 'deny' }).hash).not.toBe(first);
  });

  it('does not change when only a test file changes', () => {
    const d = dirWith({ 'a.yaml': policySetYaml(ruleYaml('a', 'true', 'allow')), 'a_test.yaml': 'x: 1\n' });
    const first = loadPolicySet({ dir: d.dir, defaultEffect: 'deny' }).hash;
    d.write('a_test.yaml', 'x: 2\n');
    expect(loadPolicySet({ dir: d.dir, defaultEffect: 'deny' }).hash).toBe(first);
  });
});
