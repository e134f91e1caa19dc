import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';
import { offsetOf } from '../../core/yaml-path.ts';
import { compileWhen } from './cel.ts';
import { type CompiledRule, createPolicySet, type PolicySet } from './engine.ts';
import { type Effect, policyRuleSchema, policySetDocSchema } from './schema.ts';
import { listYamlFiles, scalarAt, sourceOffsetIn, yamlDocuments } from './yaml.ts';

/** Policy test files (`*_test.yaml`, as OPA's `_test.rego`) live beside the policies; the policy
 *  loader skips them and `aegis policy test` reads them. */
export const TEST_FILE_PATTERN: RegExp = /_test\.ya?ml$/;

/** Where to load a policy set from. */
export interface LoadPolicySetParams {
  /** Directory searched recursively for `*.yaml`/`*.yml` PolicySet files. */
  dir: string;
  /** Effect when no rule matches and no PolicySet sets `spec.default`. */
  defaultEffect: Effect;
}

/**
 * Loads, validates and compiles every PolicySet under `dir`. Every problem (YAML syntax, schema,
 * duplicate rule id, CEL syntax or type error) is collected and thrown as one `ConfigError` whose
 * lines read `file:line:col: rule <id>: <field>: <what is wrong>`; a CEL error points at the
 * offending character inside the expression and also gives its offset.
 * @example
 * const set = loadPolicySet({ dir: 'policies', defaultEffect: 'require_approval' });
 * set.evaluate(input).effect; // 'deny'
 */
export function loadPolicySet(params: LoadPolicySetParams): PolicySet {
  const files = listYamlFiles(params.dir).filter((rel) => !TEST_FILE_PATTERN.test(rel));
  // Most likely a wrong path; a gate that silently applies only the default would hide it.
  if (files.length === 0)
    throw new ConfigError(`policy directory ${params.dir} holds no PolicySet *.yaml or *.yml files`);
  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  const firstSeen = new Map<string, string>();
  const defaults: { effect: Effect; where: string }[] = [];
  const hash = createHash('sha256');
  // Canonical form: the configured default, then each file's relative path, byte length and bytes,
  // in byte-wise path order. Test files are not part of the set.
  hash.update(`aegis-policy-set/v1\ndefault=${params.defaultEffect}\n`);

  for (const rel of files) {
    const file = join(params.dir, rel);
    const bytes = readFileSync(file);
    hash.update(`${rel}\n${bytes.length}\n`).update(bytes).update('\n');
    const text = bytes.toString('utf8');
    for (const { root, value, where, atOffset } of yamlDocuments(file, text, problems)) {
      const parsed = policySetDocSchema.safeParse(value, { reportInput: true });
      if (!parsed.success) {
        for (const { path, message } of issues(parsed.error))
          problems.push(`${where(path)}: ${pathText(path)}${message}`);
        continue;
      }
      const set = parsed.data;
      if (set.spec.default) defaults.push({ effect: set.spec.default, where: where(['spec', 'default']) });
      set.spec.rules.forEach((raw, i) => {
        const base = ['spec', 'rules', i];
        const rawId = (raw as { id?: unknown } | null)?.id;
        const label = typeof rawId === 'string' ? `rule ${rawId}` : `rule #${i + 1}`;
        const compileAt = (when: string) => {
          const compiled = compileWhen(when);
          if (compiled.ok) return compiled;
          const scalar = scalarAt(root, [...base, 'when']);
          const mapped =
            scalar && compiled.offset !== undefined ? sourceOffsetIn(text, scalar, compiled.offset) : undefined;
          const pos = mapped ?? scalar?.range?.[0] ?? offsetOf(root, [...base, 'when']);
          const offset = compiled.offset === undefined ? '' : ` at offset ${compiled.offset}`;
          problems.push(`${atOffset(pos)}: ${label}: when: ${compiled.message}${offset}`);
          return undefined;
        };
        const rule = policyRuleSchema.safeParse(raw, { reportInput: true });
        if (!rule.success) {
          const found = issues(rule.error);
          for (const { path, message } of found) {
            problems.push(`${where([...base, ...path])}: ${label}: ${pathText(path)}${message}`);
          }
          // Report a bad expression in the same run as a bad effect.
          const when = (raw as { when?: unknown }).when;
          if (typeof when === 'string' && when !== '' && !found.some((f) => f.path[0] === 'when')) compileAt(when);
          return;
        }
        const source = where([...base, 'id']);
        const earlier = firstSeen.get(rule.data.id);
        if (earlier) {
          problems.push(`${source}: ${label}: id: duplicate rule id (first defined at ${earlier})`);
          return;
        }
        firstSeen.set(rule.data.id, source);
        const compiled = compileAt(rule.data.when);
        if (!compiled) return;
        rules.push({
          ...rule.data,
          approvers: rule.data.approvers ?? [],
          set: set.metadata.name,
          source,
          fn: compiled.fn,
          actionTypes: compiled.actionTypes,
        });
      });
    }
  }

  const distinct = [...new Set(defaults.map((d) => d.effect))];
  if (distinct.length > 1) {
    problems.push(
      `${params.dir}: spec.default: PolicySets disagree on the default (${defaults.map((d) => `${d.effect} at ${d.where}`).join(', ')})`,
    );
  }
  if (problems.length > 0) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new ConfigError(
      `invalid policy set in ${params.dir} (${count}):\n${problems.map((p) => `  ${p}`).join('\n')}`,
    );
  }
  return createPolicySet({
    rules,
    defaultEffect: distinct[0] ?? params.defaultEffect,
    hash: hash.digest('hex'),
    files,
  });
}

function pathText(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '' : `${path.join('.')}: `;
}

function issues(error: z.ZodError): { path: PropertyKey[]; message: string }[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...issue.path, key], message: 'is not a known field' }));
    }
    const input = (issue as { input?: unknown }).input;
    if (issue.code === 'invalid_type' && input === undefined) return [{ path: issue.path, message: 'is required' }];
    if (issue.code === 'invalid_type') {
      return [{ path: issue.path, message: `must be a ${issue.expected} (got ${JSON.stringify(input)})` }];
    }
    const got = input === undefined ? '' : ` (got ${JSON.stringify(input)})`;
    return [{ path: issue.path, message: `${issue.message}${issue.code === 'custom' ? '' : got}` }];
  });
}
