import type { z } from 'zod';
import { ConfigError } from '../../core/errors.ts';

/** One thing wrong with a catalog or SLO file: where, which entity, which field, and what. */
export interface LoadProblem {
  /** `file:line:col` of the offending node (or of its nearest existing parent). */
  where: string;
  /** The entity as a ref (`component:default/payments-api`, `slo:payments-api-availability`). */
  entity: string;
  /** Dotted path inside the document (`spec.owner`, `spec.objectives.0.target`); '' for the whole document. */
  field: string;
  message: string;
}

/** Collects every problem of a load so one `ConfigError` can list them all. */
export class Problems {
  readonly list: LoadProblem[] = [];
  private readonly seen = new Set<string>();

  /** Records a problem; the same problem found twice (an SLI shared by two SLOs) is kept once. */
  add(problem: LoadProblem): void {
    const key = formatProblem(problem);
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push(problem);
  }

  /** Throws one `ConfigError` listing every problem, when there is any. */
  throwIfAny(what: string): void {
    if (this.list.length === 0) return;
    // Reading order (file, line, column), whichever pass found the problem.
    const sorted = this.list
      .map((p, i) => ({ p, i, at: /^(.*):(\d+):(\d+)$/.exec(p.where) }))
      .sort((a, b) => {
        const fa = a.at?.[1] ?? a.p.where;
        const fb = b.at?.[1] ?? b.p.where;
        if (fa !== fb) return fa < fb ? -1 : 1;
        const d = Number(a.at?.[2] ?? 0) - Number(b.at?.[2] ?? 0) || Number(a.at?.[3] ?? 0) - Number(b.at?.[3] ?? 0);
        return d || a.i - b.i;
      });
    const lines = sorted.map(({ p }) => `  ${formatProblem(p)}`);
    const count = this.list.length === 1 ? '1 problem' : `${this.list.length} problems`;
    throw new ConfigError(`invalid ${what} (${count}):\n${lines.join('\n')}`);
  }
}

/** `file:line:col: entity: field: message`, with the empty parts left out. */
export function formatProblem(p: LoadProblem): string {
  return [p.where, p.entity, p.field, p.message].filter((part) => part !== '').join(': ');
}

/** A zod issue as a key path and a sentence that says what is wrong. Parse with `reportInput: true`
 *  so the sentence can quote the offending value. */
export function describeIssues(error: z.ZodError): { path: PropertyKey[]; message: string }[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...issue.path, key], message: 'is not a known field' }));
    }
    return [{ path: issue.path, message: issueMessage(issue) }];
  });
}

function issueMessage(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  // Schemas here set their own messages for format and range; only zod's generic ones
  // ("Invalid input: expected string, received number") get rewritten.
  if (!issue.message.startsWith('Invalid')) return issue.message;
  if (issue.code === 'invalid_type') {
    if (input === undefined) return 'is required';
    return `must be ${article(issue.expected)} (got ${show(input)})`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')} (got ${show(input)})`;
  }
  return issue.message;
}

function article(expected: string): string {
  if (expected === 'object') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

/** A value as a message quotes it: short, and with its YAML type visible. */
export function show(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  return String(value);
}
