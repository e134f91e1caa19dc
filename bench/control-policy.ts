// node bin/run-ts.js bench/control-policy.ts [--seconds N] — policy decisions per second on one
// core: 100 generated rules (the shape of the example policies: deny guard rails, approval rules on
// cost, blast radius, access and burn rate, allow rules for routine work) loaded from YAML through
// the real loader, evaluated over 1,000 varied inputs. Prints one JSON line; progress to stderr.
// Also measures the same rules with the action.type index switched off (every rule evaluated).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createPolicySet,
  loadPolicySet,
  type PolicyInput,
  type PolicySet,
  policyInputSchema,
} from '../control/policy/index.ts';

/** Result of the policy benchmark. */
export interface PolicyBenchResult {
  rules: number;
  /** Decisions per CPU-second on one core with the action.type index (the engine as it runs). */
  decisions_per_s: number;
  /** The same per wall-clock second (lower when other processes share the core). */
  decisions_per_s_wall: number;
  /** Decisions per CPU-second with every rule evaluated for every input. */
  decisions_per_s_unindexed: number;
  /** Mean number of rules evaluated per decision with the index. */
  rules_evaluated_per_decision: number;
}

const TYPES = [
  'scale',
  'stop_idle',
  'rightsize',
  'revoke_access',
  'enforce_mfa',
  'rollback_change',
  'restart',
  'config_change',
];
const TEAMS = ['payments', 'checkout', 'search', 'identity', 'fulfillment', 'notifications'];
const TIERS = ['tier-1', 'tier-2', 'tier-3'];
const ENVS = ['production', 'staging'];

/** Deterministic pseudo-random numbers (mulberry32), so every run measures the same work. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface GeneratedRule {
  when: string;
  effect: string;
  approvers?: string[];
}

/** The rules that apply to every action type (as in the example policies). */
const COMMON_RULES: GeneratedRule[] = [
  { when: 'context.freeze && !action.dryRun', effect: 'deny' },
  { when: 'actor.kind == "agent" && target.tier == "tier-1"', effect: 'require_approval', approvers: ['$owner'] },
  {
    when: 'context.burnRate.firing && context.burnRate.severity == "page" && action.type != "rollback_change" && (impact.errorBudgetCost > 0.0 || !action.reversible)',
    effect: 'require_approval',
    approvers: ['$owner'],
  },
  { when: 'context.openIncidents > 0 && !action.reversible', effect: 'require_approval', approvers: ['$owner'] },
  { when: 'impact.costUsdMonth > 500.0', effect: 'require_approval', approvers: ['$owner', 'finance'] },
  { when: 'impact.blastRadius > 20', effect: 'deny' },
  { when: 'action.dryRun', effect: 'allow' },
  {
    when: 'action.reversible && impact.costUsdMonth <= 500.0 && impact.errorBudgetCost <= 0.01 && impact.blastRadius <= 3 && has(actor.team) && actor.team == target.owner',
    effect: 'allow',
  },
  {
    when: 'target.env == "production" && context.hourUtc < 6 && !context.changeWindow',
    effect: 'require_approval',
    approvers: ['$owner'],
  },
  { when: '"break-glass" in actor.roles', effect: 'allow' },
];

/** `count` rules as YAML list items: the 10 common ones, the rest guarded by an action type. */
export function generateRules(count = 100): string[] {
  const r = rng(7);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const rules = [...COMMON_RULES];
  while (rules.length < count) {
    const type = TYPES[rules.length % TYPES.length]!;
    const team = pick(TEAMS);
    const variant = Math.floor(r() * 6);
    if (variant === 0) {
      rules.push({
        when: `action.type == "${type}" && target.tier == "${pick(TIERS)}" && target.env == "production"`,
        effect: 'deny',
      });
    } else if (variant === 1) {
      rules.push({
        when: `action.type == "${type}" && target.owner == "${team}" && impact.costUsdMonth > ${Math.round(r() * 900 + 100)}.0`,
        effect: 'require_approval',
        approvers: [team, 'finance'],
      });
    } else if (variant === 2) {
      rules.push({
        when: `action.type in ["${type}", "${pick(TYPES)}"] && impact.blastRadius >= ${Math.floor(r() * 10 + 2)}`,
        effect: 'require_approval',
        approvers: ['$owner'],
      });
    } else if (variant === 3) {
      rules.push({
        when: `action.type == "${type}" && !("sre" in actor.roles) && target.tier == "tier-1" && impact.errorBudgetCost > 0.0${Math.floor(r() * 9 + 1)}`,
        effect: 'require_approval',
        approvers: ['sre'],
      });
    } else if (variant === 4) {
      rules.push({
        when: `action.type == "${type}" && has(action.params.replicas) && action.params.replicas < ${Math.floor(r() * 3)}`,
        effect: 'deny',
      });
    } else {
      rules.push({
        when: `action.type == "${type}" && actor.kind == "human" && "${team}-oncall" in actor.roles && action.reversible`,
        effect: 'allow',
      });
    }
  }
  return rules.map((rule, i) => {
    const approvers = rule.approvers ? `      approvers: [${rule.approvers.join(', ')}]\n` : '';
    const id = `rule-${String(i).padStart(3, '0')}`;
    return `    - id: ${id}\n      when: ${JSON.stringify(rule.when)}\n      effect: ${rule.effect}\n${approvers}      reason: generated rule ${i}\n`;
  });
}

/** `count` varied, valid inputs. */
export function generateInputs(count = 1000): PolicyInput[] {
  const r = rng(11);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  return Array.from({ length: count }, (_, i) => {
    const owner = pick(TEAMS);
    const firing = r() < 0.1;
    return policyInputSchema.parse({
      action: {
        id: `act-${i}`,
        type: pick(TYPES),
        params: r() < 0.5 ? { replicas: Math.floor(r() * 6) } : { key: 'pool.size', value: 20 },
        reversible: r() < 0.8,
        dryRun: r() < 0.05,
      },
      target: {
        kind: 'Component',
        name: `${owner}-api`,
        service: `${owner}-api`,
        owner,
        tier: pick(TIERS),
        env: pick(ENVS),
      },
      impact: {
        costUsdMonth: Math.round((r() * 1500 - 500) * 100) / 100,
        errorBudgetCost: r() * 0.05,
        blastRadius: Math.floor(r() * 25),
      },
      actor: {
        id: `actor-${i % 17}`,
        kind: pick(['human', 'agent', 'system'] as const),
        roles: r() < 0.3 ? ['sre', `${owner}-oncall`] : ['engineer'],
        team: r() < 0.7 ? owner : pick(TEAMS),
      },
      context: {
        openIncidents: r() < 0.1 ? 1 : 0,
        burnRate: { firing, severity: firing ? pick(['ticket', 'page'] as const) : 'none' },
        freeze: r() < 0.02,
      },
    });
  });
}

/** Decisions per second of CPU time (user + system of this process) and of wall time. CPU time is
 *  the "one core" figure: the loop is single-threaded, and on a shared machine wall time also
 *  counts the time other processes held the core. */
function measure(set: PolicySet, inputs: readonly PolicyInput[], seconds: number): { cpu: number; wall: number } {
  const nowMs = Date.UTC(2026, 0, 1, 12);
  // Warm-up: let V8 optimise the evaluator before timing it.
  for (let i = 0; i < 20_000; i++) set.evaluate(inputs[i % inputs.length]!, { nowMs });
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++, n++) set.evaluate(inputs[n % inputs.length]!, { nowMs });
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { cpu: Math.round(n / ((cpu.user + cpu.system) / 1e6)), wall: Math.round(n / wallS) };
}

/** Decisions per second on one core with 100 generated rules over 1,000 varied inputs.
 *  @example const { rules, decisions_per_s } = await benchPolicy(); */
export async function benchPolicy(
  options: { seconds?: number; log?: (text: string) => void } = {},
): Promise<PolicyBenchResult> {
  const seconds = options.seconds ?? 3;
  const log = options.log ?? ((text: string) => process.stderr.write(`[bench:policy] ${text}\n`));
  const dir = mkdtempSync(join(tmpdir(), 'aegis-bench-policy-'));
  try {
    const rules = generateRules(100);
    writeFileSync(
      join(dir, 'generated.yaml'),
      `apiVersion: aegis/v1\nkind: PolicySet\nmetadata:\n  name: generated\nspec:\n  rules:\n${rules.join('')}`,
    );
    const t0 = performance.now();
    const set = loadPolicySet({ dir, defaultEffect: 'require_approval' });
    log(`loaded and compiled ${set.rules.length} rules in ${Math.round(performance.now() - t0)} ms`);
    const inputs = generateInputs(1000);
    const candidates = (input: PolicyInput) =>
      set.rules.filter((r) => r.actionTypes === null || r.actionTypes.has(input.action.type)).length;
    const perDecision = inputs.reduce((sum, input) => sum + candidates(input), 0) / inputs.length;
    log(`${perDecision.toFixed(1)} of ${set.rules.length} rules evaluated per decision through the action.type index`);
    const indexed = measure(set, inputs, seconds);
    log(
      `indexed: ${indexed.cpu.toLocaleString('en-US')} decisions/CPU-s (${indexed.wall.toLocaleString('en-US')}/wall-s)`,
    );
    const flat = createPolicySet({
      rules: set.rules.map((r) => ({ ...r, actionTypes: null })),
      defaultEffect: set.defaultEffect,
      hash: set.hash,
      files: [...set.files],
    });
    const unindexed = measure(flat, inputs, seconds);
    log(
      `unindexed: ${unindexed.cpu.toLocaleString('en-US')} decisions/CPU-s (${unindexed.wall.toLocaleString('en-US')}/wall-s)`,
    );
    return {
      rules: set.rules.length,
      decisions_per_s: indexed.cpu,
      decisions_per_s_wall: indexed.wall,
      decisions_per_s_unindexed: unindexed.cpu,
      rules_evaluated_per_decision: Math.round(perDecision * 10) / 10,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '3' } } });
  process.stdout.write(`${JSON.stringify(await benchPolicy({ seconds: Number(values.seconds) }))}\n`);
}
