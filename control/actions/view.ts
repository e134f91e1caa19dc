import type { ExecutionResult } from '../executors/types.ts';
import type { Decision } from '../policy/index.ts';
import type { ActionEvent } from './events.ts';
import { type ActionState, replay } from './lifecycle.ts';
import type { Actor, PolicyTarget } from './proposal.ts';

/** The estimated impact an action was decided on. */
export interface ActionImpact {
  costUsdMonth: number;
  errorBudgetCost: number;
  blastRadius: number;
}

/** What the `proposed` event records. */
export interface ProposedData {
  target: PolicyTarget;
  params: Record<string, unknown>;
  impact: ActionImpact;
  proposer: Actor;
  reason: string;
  reversible: boolean;
  recommendationId?: string;
  idempotencyKey?: string;
}

/** A vote as recorded. */
export interface RecordedVote {
  voter: { id: string; kind: string; roles: string[]; teams: string[] };
  decision: 'approve' | 'reject';
  atMs: number;
  comment?: string;
}

/** An action as its events tell it: the answer of every read. */
export interface ActionView {
  id: string;
  state: ActionState;
  type: string;
  service: string;
  team: string;
  target: PolicyTarget;
  params: Record<string, unknown>;
  impact: ActionImpact;
  reversible: boolean;
  proposer: Actor;
  reason: string;
  recommendationId: string | null;
  createdAtMs: number;
  updatedAtMs: number;
  decision: Decision | null;
  /** The approval requirement (authorities, quorum, expiry) when policy asked for approval. */
  approval: Record<string, unknown> | null;
  votes: RecordedVote[];
  escalated: boolean;
  /** Why the controller holds it back (SLO guard, change window, rate limit), while it does. */
  heldReason: string | null;
  dryRun: ExecutionResult | null;
  result: ExecutionResult | null;
  /** The post-condition's verdict, once checked. */
  verification: { met: boolean; detail: string } | null;
  events: ActionEvent[];
  /** The audit record of the latest event. */
  lastAuditSeq: number;
}

/** Folds an action's events (seq order) into its view, checking that the states follow the lifecycle. */
export function foldAction(events: readonly ActionEvent[]): ActionView {
  const first = events[0];
  if (first?.event !== 'proposed') throw new Error('an action history starts with its proposed event');
  const states: ActionState[] = [];
  for (const e of events) if (states.length === 0 || states.at(-1) !== e.state) states.push(e.state);
  const state = replay(first.actionId, states);
  const proposed = first.data as unknown as ProposedData;
  const view: ActionView = {
    id: first.actionId,
    state,
    type: first.type,
    service: first.service,
    team: first.team,
    target: proposed.target,
    params: proposed.params,
    impact: proposed.impact,
    reversible: proposed.reversible,
    proposer: proposed.proposer,
    reason: proposed.reason,
    recommendationId: proposed.recommendationId ?? null,
    createdAtMs: first.ts,
    updatedAtMs: events.at(-1)!.ts,
    decision: null,
    approval: null,
    votes: [],
    escalated: false,
    heldReason: null,
    dryRun: null,
    result: null,
    verification: null,
    events: [...events],
    lastAuditSeq: events.at(-1)!.auditSeq,
  };
  for (const e of events) {
    const d = e.data;
    switch (e.event) {
      case 'decided':
        view.decision = d['decision'] as Decision;
        view.approval = (d['approval'] as Record<string, unknown> | undefined) ?? null;
        break;
      case 'vote':
        view.votes.push(d['vote'] as RecordedVote);
        break;
      case 'escalated':
        view.escalated = true;
        break;
      case 'held':
        view.heldReason = String(d['reason'] ?? '');
        break;
      case 'dry_run':
        view.dryRun = d['result'] as ExecutionResult;
        break;
      case 'started':
        view.heldReason = null;
        break;
      case 'succeeded':
      case 'failed':
        view.result = (d['result'] as ExecutionResult | undefined) ?? null;
        break;
      case 'verified':
        view.verification = { met: Boolean(d['met']), detail: String(d['detail'] ?? '') };
        break;
    }
  }
  return view;
}
