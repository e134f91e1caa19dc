import { messageOf } from '../../core/errors.ts';
import type { CompiledWhen } from './cel.ts';
import { type PolicyInput, toActivation } from './input.ts';
import { EFFECT_RANK, type Effect, type PolicyRuleSpec } from './schema.ts';

/** A loaded rule with its compiled `when`. */
export interface CompiledRule extends Omit<PolicyRuleSpec, 'approvers'> {
  approvers: string[];
  /** `metadata.name` of its PolicySet. */
  set: string;
  /** `file:line:col` of its id. */
  source: string;
  fn: CompiledWhen;
  /** Action types it can match (its `action.type` guard), or null for any. */
  actionTypes: ReadonlySet<string> | null;
}

/** A rule that took part in a decision. */
export interface MatchedRule {
  id: string;
  effect: Effect;
  reason: string;
  approvers?: string[];
  /** True when the rule's `when` failed and it counts as matched only to fail closed. */
  failedClosed?: true;
}

/** A rule whose `when` failed at runtime (a missing field, a type mismatch, a non-bool result). */
export interface RuleError {
  id: string;
  message: string;
}

/** What the policy set says about one action, and why. */
export interface Decision {
  effect: Effect;
  /** Rules that matched, in policy order (sorted files, then rule order). */
  matched: MatchedRule[];
  /** Union of the approvers of the matched require_approval rules (`$owner` resolved); empty unless require_approval. */
  approvers: string[];
  errors: RuleError[];
  /** SHA-256 (hex) of the policy set that decided. */
  policyHash: string;
  /** ISO 8601. */
  evaluatedAt: string;
  /** True when no rule matched and the default effect decided. */
  defaultApplied: boolean;
}

/** A compiled, immutable policy set. */
export interface PolicySet {
  readonly hash: string;
  readonly defaultEffect: Effect;
  readonly rules: readonly CompiledRule[];
  /** PolicySet files, relative to the directory, in load order. */
  readonly files: readonly string[];
  /** Decides on one validated input. Never throws for a rule's sake: see `Decision.errors`. */
  evaluate(input: PolicyInput, options?: { nowMs?: number }): Decision;
}

/** `RuleError.id` of an input the engine could not even present to the rules (the decision is deny). */
export const INPUT_ERROR_ID = '(input)';

/** The approver token that stands for the target's owning team. */
export const OWNER_APPROVER = '$owner';

/** Builds the evaluator over compiled rules, with an index from action type to the rules that can
 *  match it (a rule without an `action.type` guard is in every list). */
export function createPolicySet(params: {
  rules: CompiledRule[];
  defaultEffect: Effect;
  hash: string;
  files: string[];
}): PolicySet {
  const { rules, defaultEffect, hash } = params;
  const unguarded = rules.filter((r) => r.actionTypes === null);
  const byType = new Map<string, CompiledRule[]>();
  for (const type of new Set(rules.flatMap((r) => [...(r.actionTypes ?? [])]))) {
    byType.set(
      type,
      rules.filter((r) => r.actionTypes === null || r.actionTypes.has(type)),
    );
  }

  function evaluate(input: PolicyInput, options: { nowMs?: number } = {}): Decision {
    const nowMs = options.nowMs ?? Date.now();
    let activation: Record<string, unknown>;
    try {
      activation = toActivation(input, nowMs);
    } catch (err) {
      // Input that skipped validation (a fractional blastRadius, a missing section): deny, never throw
      // at a caller that might treat an exception as "no objection".
      return {
        effect: 'deny',
        matched: [],
        approvers: [],
        errors: [{ id: INPUT_ERROR_ID, message: `invalid input: ${messageOf(err)}` }],
        policyHash: hash,
        evaluatedAt: new Date(nowMs).toISOString(),
        defaultApplied: false,
      };
    }
    const candidates = byType.get(input.action.type) ?? unguarded;
    const matched: MatchedRule[] = [];
    const errors: RuleError[] = [];
    let effect: Effect | undefined;
    for (const rule of candidates) {
      let result: unknown;
      try {
        result = rule.fn(activation);
      } catch (err) {
        result = err instanceof Error ? err : new Error(messageOf(err));
      }
      if (result === false) continue;
      if (result !== true) {
        // A non-bool result is as unusable as a thrown error. BigInt does not survive JSON, so say its type.
        const message =
          result instanceof Error
            ? (result.message.split('\n')[0] ?? '')
            : `when must return a bool (got ${typeof result === 'bigint' ? `int ${result}` : typeof result})`;
        errors.push({ id: rule.id, message });
        // Fail closed: a rule that cannot be evaluated may have matched. A deny or require_approval
        // rule is taken as matched, so an error never lets through what it would have stopped; an
        // allow rule is not, since an error cannot grant anything. Any error also lifts an `allow`
        // outcome to require_approval (below): a person looks whenever the policy set misfired.
        if (rule.effect === 'allow') continue;
        matched.push({ ...toMatched(rule, input), failedClosed: true });
      } else {
        matched.push(toMatched(rule, input));
      }
      if (effect === undefined || EFFECT_RANK[rule.effect] > EFFECT_RANK[effect]) effect = rule.effect;
    }
    const defaultApplied = effect === undefined;
    let final: Effect = effect ?? defaultEffect;
    if (errors.length > 0 && final === 'allow') final = 'require_approval';
    const approvers =
      final === 'require_approval'
        ? [...new Set(matched.flatMap((m) => (m.effect === final ? (m.approvers ?? []) : [])))]
        : [];
    return {
      effect: final,
      matched,
      approvers,
      errors,
      policyHash: hash,
      evaluatedAt: new Date(nowMs).toISOString(),
      defaultApplied,
    };
  }

  return { hash, defaultEffect, rules, files: params.files, evaluate };
}

function toMatched(rule: CompiledRule, input: PolicyInput): MatchedRule {
  const m: MatchedRule = { id: rule.id, effect: rule.effect, reason: rule.reason };
  if (rule.approvers.length > 0) {
    m.approvers = rule.approvers.map((a) => (a === OWNER_APPROVER ? input.target.owner : a));
  }
  return m;
}
