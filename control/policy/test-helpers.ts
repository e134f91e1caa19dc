import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { PolicyInputParams } from './input.ts';
import { type PolicyInput, policyInputSchema } from './input.ts';

/** A temporary policy directory for tests; `write` adds a file, `remove` deletes the directory. */
export function policyDir(files: Record<string, string> = {}): {
  dir: string;
  write(rel: string, text: string): string;
  remove(): void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-policy-'));
  const write = (rel: string, text: string) => {
    const file = join(dir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return file;
  };
  for (const [rel, text] of Object.entries(files)) write(rel, text);
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A PolicySet file with the given rules (YAML text of the list items, indented by the caller's choice). */
export function policySetYaml(rules: string, extra = ''): string {
  return `apiVersion: aegis/v1\nkind: PolicySet\nmetadata:\n  name: test\nspec:\n${extra}  rules:\n${rules}`;
}

/** A YAML rule list item. */
export function ruleYaml(id: string, when: string, effect: string, more = ''): string {
  return `    - id: ${id}\n      when: ${JSON.stringify(when)}\n      effect: ${effect}\n      reason: because ${id}\n${more}`;
}

/** A valid input: a routine reversible scale of a tier-2 production service by its owning team. */
export function sampleInput(
  over: Partial<{ [K in keyof PolicyInputParams]: Record<string, unknown> }> = {},
): PolicyInput {
  return policyInputSchema.parse({
    action: { id: 'a1', type: 'scale', params: { replicas: 3 }, reversible: true, ...over.action },
    target: {
      kind: 'Component',
      name: 'payments-api',
      service: 'payments-api',
      owner: 'payments',
      tier: 'tier-2',
      env: 'production',
      ...over.target,
    },
    impact: { costUsdMonth: 10, errorBudgetCost: 0, blastRadius: 1, ...over.impact },
    actor: { id: 'alice', kind: 'human', roles: ['engineer'], team: 'payments', ...over.actor },
    context: { openIncidents: 0, ...over.context },
  });
}
