import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { policyDir, policySetYaml, ruleYaml } from '../../control/policy/test-helpers.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/aegis.js policy test …args` to completion. */
function policyTest(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    delete env.AEGIS_CONFIG;
    const child = spawn(process.execPath, ['bin/aegis.js', 'policy', 'test', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const TEST_FILE = `apiVersion: aegis/v1
kind: PolicyTest
metadata: {name: t}
spec:
  base:
    action: {id: a1, type: scale, params: {}, reversible: true}
    target: {kind: Component, name: api, service: api, owner: team-a, tier: tier-2, env: production}
    impact: {costUsdMonth: 10, errorBudgetCost: 0, blastRadius: 1}
    actor: {id: alice, kind: human, team: team-a}
  cases:
    - name: scale is allowed
      input: {}
      expect: {effect: allow, matched: [allow-scale]}
    - name: restart is denied
      input: {action: {type: restart}}
      expect: {effect: deny}
`;

let cleanup: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanup) fn();
  cleanup = [];
});

describe('aegis policy test', () => {
  it('passes on the example policies in ./policies and exits 0', async () => {
    const run = await policyTest([]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^policies\/policies_test\.yaml:\n {2}PASS: /);
    expect(run.stdout).not.toContain('FAIL');
    expect(run.stdout).toMatch(/\nPASS: (\d+)\/\1\n$/);
  });

  it('prints each failing case with what differed and exits 1', async () => {
    const d = policyDir({
      'p.yaml': policySetYaml(ruleYaml('allow-scale', 'action.type == "scale"', 'allow')),
      'p_test.yaml': TEST_FILE,
    });
    cleanup.push(d.remove);
    const run = await policyTest([d.dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('  PASS: scale is allowed\n');
    expect(run.stdout).toContain('  FAIL: restart is denied\n      effect: want deny, got require_approval\n');
    expect(run.stdout).toMatch(/PASS: 1\/2\nFAIL: 1\/2\n$/);
  });

  it('honours --default-effect and prints JSON with --json', async () => {
    const d = policyDir({
      'p.yaml': policySetYaml(ruleYaml('allow-scale', 'action.type == "scale"', 'allow')),
      'p_test.yaml': TEST_FILE,
    });
    cleanup.push(d.remove);
    const run = await policyTest([d.dir, '--default-effect', 'deny', '--json']);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ passed: 2, failed: 0 });
    expect(out.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('exits 2 naming the file, rule and position when a policy does not load', async () => {
    const d = policyDir({
      'p.yaml': policySetYaml(ruleYaml('broken', 'action.type == ', 'deny')),
      'p_test.yaml': TEST_FILE,
    });
    cleanup.push(d.remove);
    const run = await policyTest([d.dir]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${d.dir}/p.yaml:8:`);
    expect(run.stderr).toMatch(/rule broken: when: Unexpected token: EOF at offset \d+/);
  });

  it('exits 2 when a test case input is invalid or the directory is missing', async () => {
    const d = policyDir({
      'p.yaml': policySetYaml(ruleYaml('allow-scale', 'true', 'allow')),
      'p_test.yaml': TEST_FILE.replace('tier: tier-2', 'tier: gold'),
    });
    cleanup.push(d.remove);
    const bad = await policyTest([d.dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/p_test\.yaml:\d+:\d+: case "scale is allowed": input\.target\.tier: /);
    const missing = await policyTest(['/nonexistent/policies']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('aegis: policy directory /nonexistent/policies does not exist\n');
  });
});
