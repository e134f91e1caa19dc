import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import type { Decision } from './engine.ts';
import { type PolicyInput, policyInputSchema } from './input.ts';
import { loadPolicySet, TEST_FILE_PATTERN } from './load.ts';
import { EFFECTS, type Effect, POLICY_API_VERSION } from './schema.ts';
import { listYamlFiles, yamlDocuments } from './yaml.ts';

const caseSchema = z.strictObject({
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  expect: z.strictObject({
    effect: z.enum(EFFECTS),
    /** Exactly these rule ids matched, in any order. */
    matched: z.array(z.string()).optional(),
    /** Exactly these approvers, in any order. */
    approvers: z.array(z.string()).optional(),
    /** Exactly these rule ids failed at runtime. */
    errors: z.array(z.string()).optional(),
  }),
});

/** A PolicyTest document. See policies/README.md. */
export const policyTestDocSchema = z.strictObject({
  apiVersion: z.literal(POLICY_API_VERSION),
  kind: z.literal('PolicyTest'),
  metadata: z.strictObject({ name: z.string().min(1) }),
  spec: z.strictObject({
    /** Input every case starts from; a case's `input` is merged over it (mappings deeply, lists replaced). */
    base: z.record(z.string(), z.unknown()).default({}),
    cases: z.array(caseSchema).min(1),
  }),
});

/** The result of one test case. */
export interface PolicyTestResult {
  /** `file` (relative to the directory) and case name, as `file: name`. */
  file: string;
  name: string;
  pass: boolean;
  /** What differed, when it failed. */
  mismatches: string[];
  decision: Decision;
}

/** Results of a `policy test` run. */
export interface PolicyTestRun {
  hash: string;
  results: PolicyTestResult[];
  passed: number;
  failed: number;
}

/** Loads the policy set under `dir` and runs every `*_test.yaml` case against it. Throws
 *  `ConfigError` when the policies or the test files do not load.
 *  @example const run = runPolicyTests({ dir: 'policies', defaultEffect: 'require_approval' }); */
export function runPolicyTests(params: { dir: string; defaultEffect: Effect; nowMs?: number }): PolicyTestRun {
  const set = loadPolicySet(params);
  const files = listYamlFiles(params.dir).filter((rel) => TEST_FILE_PATTERN.test(rel));
  const problems: string[] = [];
  const cases: { file: string; name: string; input: PolicyInput; expect: z.output<typeof caseSchema>['expect'] }[] = [];
  for (const rel of files) {
    const file = join(params.dir, rel);
    for (const { where, value } of yamlDocuments(file, readFileSync(file, 'utf8'), problems)) {
      const parsed = policyTestDocSchema.safeParse(value);
      if (!parsed.success) {
        for (const issue of parsed.error.issues)
          problems.push(`${where(issue.path)}: ${issue.path.join('.')}: ${issue.message}`);
        continue;
      }
      parsed.data.spec.cases.forEach((c, i) => {
        const input = policyInputSchema.safeParse(merge(parsed.data.spec.base, c.input));
        if (!input.success) {
          for (const issue of input.error.issues) {
            // Point at the case when it sets the bad value, else at `base` where it came from.
            const inCase = hasPath(c.input, issue.path);
            const path =
              inCase || !hasPath(parsed.data.spec.base, issue.path)
                ? ['spec', 'cases', i, 'input', ...issue.path]
                : ['spec', 'base', ...issue.path];
            problems.push(`${where(path)}: case "${c.name}": input.${issue.path.join('.')}: ${issue.message}`);
          }
          return;
        }
        cases.push({ file: rel, name: c.name, input: input.data, expect: c.expect });
      });
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid policy tests in ${params.dir}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  if (cases.length === 0) throw new ConfigError(`no policy test cases (*_test.yaml) under ${params.dir}`);

  const results = cases.map((c) => {
    const decision = set.evaluate(c.input, params.nowMs === undefined ? {} : { nowMs: params.nowMs });
    const mismatches: string[] = [];
    if (decision.effect !== c.expect.effect) mismatches.push(`effect: want ${c.expect.effect}, got ${decision.effect}`);
    const compare = (what: string, want: string[] | undefined, got: string[]) => {
      if (!want) return;
      const w = [...new Set(want)].sort();
      const g = [...new Set(got)].sort();
      if (w.join('\n') !== g.join('\n')) mismatches.push(`${what}: want [${w.join(', ')}], got [${g.join(', ')}]`);
    };
    compare(
      'matched',
      c.expect.matched,
      decision.matched.map((m) => m.id),
    );
    compare('approvers', c.expect.approvers, decision.approvers);
    compare(
      'errors',
      c.expect.errors,
      decision.errors.map((e) => e.id),
    );
    return { file: c.file, name: c.name, pass: mismatches.length === 0, mismatches, decision };
  });
  const passed = results.filter((r) => r.pass).length;
  return { hash: set.hash, results, passed, failed: results.length - passed };
}

/** `over` merged onto `base`: mappings deeply, anything else (lists included) replaced. */
function merge(base: unknown, over: unknown): unknown {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObj(base) || !isObj(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

function hasPath(value: unknown, path: readonly PropertyKey[]): boolean {
  let node = value;
  for (const key of path) {
    if (typeof node !== 'object' || node === null || !(key in node)) return false;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return true;
}
