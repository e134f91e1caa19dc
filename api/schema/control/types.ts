import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, GraphQLISODateTime, Int, ObjectType } from 'type-graphql';
import type { ActionEvent } from '../../../control/actions/events.ts';
import type { ActionView } from '../../../control/actions/view.ts';
import type { ApprovalAuthority, ApprovalRequirement } from '../../../control/approvals/types.ts';
import type { AuditRecord } from '../../../control/audit/index.ts';
import type { ExecutionResult } from '../../../control/executors/types.ts';
import type { Decision } from '../../../control/policy/index.ts';
import { Connection } from '../connection.ts';

@ObjectType({ description: 'What an action touches, as the catalog knows it.' })
export class ActionTarget {
  @Field(() => String, { description: '`service`, `resource` or `principal`.' })
  kind!: string;
  @Field(() => String)
  name!: string;
  @Field(() => String)
  service!: string;
  @Field(() => String, { description: 'The owning team.' })
  owner!: string;
  @Field(() => String)
  tier!: string;
  @Field(() => String)
  env!: string;
  @Field(() => String, { nullable: true, description: 'Cloud resource id or principal, when it is about one.' })
  resourceId!: string | null;
}

@ObjectType({ description: 'The estimated impact an action was decided on.' })
export class ActionImpact {
  @Field(() => Float, { description: 'Monthly cost change, USD (negative: a saving).' })
  costUsdMonth!: number;
  @Field(() => Float, { description: 'Share of the error budget it may spend, 0–1.' })
  errorBudgetCost!: number;
  @Field(() => Int)
  blastRadius!: number;
}

@ObjectType({ description: 'Who proposed, voted or executed: a person, an agent or AEGIS itself.' })
export class ActionActor {
  @Field(() => String)
  id!: string;
  @Field(() => String, { description: '`human`, `agent` or `system`.' })
  kind!: string;
  @Field(() => [String])
  roles!: string[];
  @Field(() => String, { nullable: true })
  team!: string | null;
}

@ObjectType({ description: 'A policy rule that took part in a decision.' })
export class MatchedPolicyRule {
  @Field(() => String)
  id!: string;
  @Field(() => String, { description: '`allow`, `require_approval` or `deny`.' })
  effect!: string;
  @Field(() => String)
  reason!: string;
  @Field(() => [String])
  approvers!: string[];
  @Field(() => Boolean, { description: 'Its `when` failed and it counts as matched only to fail closed.' })
  failedClosed!: boolean;
}

@ObjectType({ description: 'A rule whose `when` failed at evaluation.' })
export class PolicyRuleError {
  @Field(() => String)
  id!: string;
  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'What the policy set decided about an action, and why.' })
export class PolicyDecision {
  @Field(() => String, { description: '`allow`, `require_approval` or `deny`.' })
  effect!: string;
  @Field(() => [MatchedPolicyRule])
  matched!: MatchedPolicyRule[];
  @Field(() => [String])
  approvers!: string[];
  @Field(() => [PolicyRuleError])
  errors!: PolicyRuleError[];
  @Field(() => String, { description: 'SHA-256 of the policy set that decided.' })
  policyHash!: string;
  @Field(() => GraphQLISODateTime)
  evaluatedAt!: Date;
  @Field(() => Boolean, { description: 'No rule matched: the default effect decided.' })
  defaultApplied!: boolean;
}

@ObjectType({ description: 'A group whose approval an action needs.' })
export class ApprovalAuthorityInfo {
  @Field(() => String, { description: '`team:payments`, `role:finance`.' })
  id!: string;
  @Field(() => String, { description: '`team` or `role`.' })
  kind!: string;
  @Field(() => String)
  name!: string;
  @Field(() => [String])
  members!: string[];
  @Field(() => Int)
  quorum!: number;
  @Field(() => String)
  why!: string;
}

@ObjectType({ description: 'Who must approve an action, how many of them, and until when.' })
export class ApprovalRequirementInfo {
  @Field(() => [ApprovalAuthorityInfo])
  authorities!: ApprovalAuthorityInfo[];
  @Field(() => GraphQLISODateTime)
  expiresAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true })
  escalateAt!: Date | null;
  @Field(() => ApprovalAuthorityInfo, { nullable: true })
  escalateTo!: ApprovalAuthorityInfo | null;
  @Field(() => Boolean, { description: 'Only human votes count.' })
  humanRequired!: boolean;
  @Field(() => [String], { description: 'Why no approval can come of this routing (non-empty: it can only expire).' })
  problems!: string[];
  @Field(() => [String])
  warnings!: string[];
}

@ObjectType({ description: 'A vote on an action.' })
export class ActionVote {
  @Field(() => String)
  voterId!: string;
  @Field(() => String)
  voterKind!: string;
  @Field(() => String, { description: '`approve` or `reject`.' })
  decision!: string;
  @Field(() => GraphQLISODateTime)
  at!: Date;
  @Field(() => String, { nullable: true })
  comment!: string | null;
}

@ObjectType({ description: "An executor's answer to a dry run or an execution." })
export class ExecutionOutcome {
  @Field(() => Boolean)
  ok!: boolean;
  @Field(() => String)
  summary!: string;
  @Field(() => GraphQLJSON)
  details!: Record<string, unknown>;
  @Field(() => Boolean, { description: 'Can be undone automatically.' })
  undoable!: boolean;
  @Field(() => Boolean, { description: 'Repeated an earlier call with the same idempotency key.' })
  replayed!: boolean;
}

@ObjectType({ description: "The post-condition's verdict." })
export class ActionVerification {
  @Field(() => Boolean)
  met!: boolean;
  @Field(() => String)
  detail!: string;
}

@ObjectType({ description: 'One event of an action, attested by an audit record.' })
export class ActionStep {
  @Field(() => Int)
  seq!: number;
  @Field(() => GraphQLISODateTime)
  at!: Date;
  @Field(() => String, { description: '`proposed`, `decided`, `vote`, `held`, `dry_run`, `started`, `succeeded`…' })
  event!: string;
  @Field(() => String, { description: 'The state the action was in after it.' })
  state!: string;
  @Field(() => String, { description: '`user:<id>`, `agent:<id>`, `controller`.' })
  actor!: string;
  @Field(() => GraphQLJSON)
  data!: Record<string, unknown>;
  @Field(() => Int, { description: 'Seq of the audit record attesting it.' })
  auditSeq!: number;
}

@ObjectType({ description: 'An action: a change proposed, decided by policy, approved, executed and verified.' })
export class Action {
  @Field(() => String)
  id!: string;
  @Field(() => String, { description: 'Lifecycle state: `pending_approval`, `approved`, `succeeded`…' })
  state!: string;
  @Field(() => String)
  type!: string;
  @Field(() => String)
  service!: string;
  @Field(() => String)
  team!: string;
  @Field(() => ActionTarget)
  target!: ActionTarget;
  @Field(() => GraphQLJSON)
  params!: Record<string, unknown>;
  @Field(() => ActionImpact)
  impact!: ActionImpact;
  @Field(() => Boolean)
  reversible!: boolean;
  @Field(() => ActionActor)
  proposer!: ActionActor;
  @Field(() => String)
  reason!: string;
  @Field(() => String, { nullable: true })
  recommendationId!: string | null;
  @Field(() => GraphQLISODateTime)
  createdAt!: Date;
  @Field(() => GraphQLISODateTime)
  updatedAt!: Date;
  @Field(() => PolicyDecision, { nullable: true })
  decision!: PolicyDecision | null;
  @Field(() => ApprovalRequirementInfo, { nullable: true, description: 'Set when policy asked for approval.' })
  approval!: ApprovalRequirementInfo | null;
  @Field(() => [ActionVote])
  votes!: ActionVote[];
  @Field(() => Boolean)
  escalated!: boolean;
  @Field(() => String, { nullable: true, description: 'Why the controller holds it back, while it does.' })
  heldReason!: string | null;
  @Field(() => ExecutionOutcome, { nullable: true })
  dryRun!: ExecutionOutcome | null;
  @Field(() => ExecutionOutcome, { nullable: true })
  result!: ExecutionOutcome | null;
  @Field(() => ActionVerification, { nullable: true })
  verification!: ActionVerification | null;
  @Field(() => [ActionStep], { description: 'Every event, in order: the history the state is replayed from.' })
  steps!: ActionStep[];
  @Field(() => Int, { description: 'Seq of the audit record of the latest event.' })
  lastAuditSeq!: number;
  /** The view it was made from, for field resolvers that need more than the fields (not in the schema). */
  view?: ActionView;
}

@ObjectType()
export class ActionConnection extends Connection(Action) {}

@ObjectType({ description: 'What an action mutation returns.' })
export class ActionPayload {
  @Field(() => Action)
  action!: Action;
  @Field(() => Int, {
    description: 'Seq of the audit record of the event the mutation caused (the latest one when it caused none).',
  })
  auditRecordId!: number;
}

@ObjectType({ description: 'One record of the signed, hash-chained audit log.' })
export class AuditLogRecord {
  @Field(() => Int)
  seq!: number;
  @Field(() => GraphQLISODateTime)
  at!: Date;
  @Field(() => String)
  kind!: string;
  @Field(() => String)
  actor!: string;
  @Field(() => String, { description: 'What it is about: an action id, an insight or recommendation id.' })
  subject!: string;
  @Field(() => GraphQLJSON)
  payload!: unknown;
  @Field(() => String)
  prevHash!: string;
  @Field(() => String)
  hash!: string;
  @Field(() => String)
  keyId!: string;
  @Field(() => String)
  signature!: string;
}

@ObjectType()
export class AuditLogRecordConnection extends Connection(AuditLogRecord) {}

@ObjectType({ description: 'The first record that fails verification.' })
export class AuditBreakInfo {
  @Field(() => Int)
  seq!: number;
  @Field(() => String, { description: '`seq-gap`, `hash-mismatch`, `bad-signature`, `truncated`…' })
  reason!: string;
  @Field(() => String)
  message!: string;
}

@ObjectType({ description: 'The verdict of verifying the whole audit chain against the trusted keys.' })
export class AuditIntegrity {
  @Field(() => Boolean)
  ok!: boolean;
  @Field(() => Int, { description: 'Records verified (before the break, when broken).' })
  records!: number;
  @Field(() => Int, { nullable: true })
  headSeq!: number | null;
  @Field(() => String, { nullable: true })
  headHash!: string | null;
  @Field(() => Int, { nullable: true, description: 'Seq checked against the head witness, when there is one.' })
  witnessedSeq!: number | null;
  @Field(() => AuditBreakInfo, { nullable: true })
  firstBroken!: AuditBreakInfo | null;
  @Field(() => Int)
  trustedKeys!: number;
  @Field(() => GraphQLISODateTime, { description: 'When this verdict was computed (it is cached briefly).' })
  checkedAt!: Date;
}

@ObjectType({ description: 'A loaded policy rule.' })
export class PolicyRuleInfo {
  @Field(() => String)
  id!: string;
  @Field(() => String, { description: '`metadata.name` of its PolicySet.' })
  set!: string;
  @Field(() => String)
  description!: string;
  @Field(() => String, { description: 'The CEL condition.' })
  when!: string;
  @Field(() => String)
  effect!: string;
  @Field(() => String)
  reason!: string;
  @Field(() => [String])
  approvers!: string[];
  @Field(() => String, { description: '`file:line:col` of its id.' })
  source!: string;
}

@ObjectType({ description: 'The policy set in force.' })
export class Policies {
  @Field(() => String)
  hash!: string;
  @Field(() => String)
  defaultEffect!: string;
  @Field(() => [String])
  files!: string[];
  @Field(() => [PolicyRuleInfo])
  rules!: PolicyRuleInfo[];
}

const date = (ms: number) => new Date(ms);

function toAuthority(a: ApprovalAuthority): ApprovalAuthorityInfo {
  return { id: a.id, kind: a.kind, name: a.name, members: a.members, quorum: a.quorum, why: a.why };
}

function toOutcome(r: ExecutionResult | null): ExecutionOutcome | null {
  if (!r) return null;
  return {
    ok: r.ok,
    summary: r.summary,
    details: r.details ?? {},
    undoable: r.undo !== undefined,
    replayed: r.replayed,
  };
}

function toDecision(d: Decision | null): PolicyDecision | null {
  if (!d) return null;
  return {
    effect: d.effect,
    matched: d.matched.map((m) => ({
      id: m.id,
      effect: m.effect,
      reason: m.reason,
      approvers: m.approvers ?? [],
      failedClosed: m.failedClosed === true,
    })),
    approvers: d.approvers,
    errors: d.errors,
    policyHash: d.policyHash,
    evaluatedAt: new Date(d.evaluatedAt),
    defaultApplied: d.defaultApplied,
  };
}

/** One action event as a step. */
export function toStep(e: ActionEvent): ActionStep {
  return {
    seq: e.seq,
    at: date(e.ts),
    event: e.event,
    state: e.state,
    actor: e.actor,
    data: e.data,
    auditSeq: e.auditSeq,
  };
}

/** The GraphQL shape of an action view. */
export function toAction(v: ActionView): Action {
  const approval = v.approval as unknown as ApprovalRequirement | null;
  return {
    id: v.id,
    state: v.state,
    type: v.type,
    service: v.service,
    team: v.team,
    target: { ...v.target, resourceId: v.target.resourceId ?? null },
    params: v.params,
    impact: v.impact,
    reversible: v.reversible,
    proposer: { id: v.proposer.id, kind: v.proposer.kind, roles: v.proposer.roles, team: v.proposer.team ?? null },
    reason: v.reason,
    recommendationId: v.recommendationId,
    createdAt: date(v.createdAtMs),
    updatedAt: date(v.updatedAtMs),
    decision: toDecision(v.decision),
    approval: approval
      ? {
          authorities: approval.authorities.map(toAuthority),
          expiresAt: date(approval.expiresAtMs),
          escalateAt: approval.escalateAtMs === null ? null : date(approval.escalateAtMs),
          escalateTo: approval.escalateTo ? toAuthority(approval.escalateTo) : null,
          humanRequired: approval.humanRequired,
          problems: approval.problems,
          warnings: approval.warnings,
        }
      : null,
    votes: v.votes.map((vote) => ({
      voterId: vote.voter.id,
      voterKind: vote.voter.kind,
      decision: vote.decision,
      at: date(vote.atMs),
      comment: vote.comment ?? null,
    })),
    escalated: v.escalated,
    heldReason: v.heldReason,
    dryRun: toOutcome(v.dryRun),
    result: toOutcome(v.result),
    verification: v.verification,
    steps: v.events.map(toStep),
    lastAuditSeq: v.lastAuditSeq,
    view: v,
  };
}

/** The GraphQL shape of an audit record (its payload parsed). */
export function toAuditLogRecord(r: AuditRecord): AuditLogRecord {
  return {
    seq: r.seq,
    at: date(r.ts),
    kind: r.kind,
    actor: r.actor,
    subject: r.subject,
    payload: parsePayload(r.payload),
    prevHash: r.prevHash,
    hash: r.hash,
    keyId: r.keyId,
    signature: r.signature,
  };
}

/** A stored payload (canonical JSON text) as a value; text that is not JSON stays text. */
export function parsePayload(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
