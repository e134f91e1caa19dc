import { randomBytes } from 'node:crypto';
import type { ControlConfig } from '../../core/config/index.ts';
import { InputError, NotFoundError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Registry } from '../../core/metrics.ts';
import type { Catalog } from '../../scoring/catalog/index.ts';
import {
  type ApprovalRequirement,
  type ApprovalsConfig,
  castVote,
  routeApproval,
  tally,
  teamsFromCatalog,
  type Vote,
  type Voter,
} from '../approvals/index.ts';
import type { AuditKind, AuditLog, AuditRecord } from '../audit/index.ts';
import { activeFreeze, inChangeWindow } from '../execution/guards.ts';
import type { Locks } from '../locks.ts';
import { createControlMetrics } from '../metrics.ts';
import type { PolicyInput, PolicySet } from '../policy/index.ts';
import { automationLevel } from './action-types.ts';
import type { ActionEvent, ActionEventKind, ActionEventStore, ActionListFilter } from './events.ts';
import { type ActionState, transition } from './lifecycle.ts';
import type { PlatformState } from './platform-state.ts';
import { type Actor, resolveProposal } from './proposal.ts';
import { type ActionView, foldAction, type ProposedData } from './view.ts';

/** Dependencies of {@link createActionService}. */
export interface ActionServiceParams {
  events: ActionEventStore;
  audit: AuditLog;
  policy: { current(): PolicySet };
  catalog: () => Catalog;
  platform: PlatformState;
  control: ControlConfig;
  approvals: ApprovalsConfig;
  /** Serializes changes to one action across callers (and, with NATS KV, across replicas). */
  locks: Locks;
  /** Publishes on NATS (EVENTS stream): `aegis.actions.<state>` and `aegis.audit`, with a message id.
   *  Best effort: the tables are the record, the events are notifications. */
  publish?: (subject: string, data: unknown, msgId: string) => Promise<void>;
  clock?: () => number;
  logger: Logger;
  /** The process registry: policy decisions and approval latency go in it. */
  metrics?: Registry | undefined;
}

/** Records one event of an action: the audit record first (the attestation), then the event row. */
export type RecordEvent = (
  view: ActionView | ActionSeed,
  event: ActionEventKind,
  state: ActionState,
  actor: string,
  data: Record<string, unknown>,
) => Promise<ActionEvent>;

/** What `record` needs of an action that has no events yet. */
export interface ActionSeed {
  id: string;
  type: string;
  service: string;
  team: string;
  target: { name: string };
  events: ActionEvent[];
}

/** Proposing, deciding, approving and cancelling actions. Every change is an event in `action_events`
 *  attested by an audit record, and every read is a replay of the events. */
export interface ActionService {
  /** Validates the proposal, decides it by policy, routes approval when needed. Invalid input throws an
   *  InputError naming the field; a denied action is recorded and returned (state `denied`). */
  propose(input: unknown, actor: Actor): Promise<ActionView>;
  /** Casts an approve or reject vote; throws PolicyDeniedError for a voter who may not vote. */
  vote(id: string, voter: Voter, decision: 'approve' | 'reject', comment?: string): Promise<ActionView>;
  cancel(id: string, actor: Actor, reason: string): Promise<ActionView>;
  /** The action with its whole history; NotFoundError when unknown. */
  get(id: string): Promise<ActionView>;
  list(filter?: ActionListFilter): Promise<ActionView[]>;
  /** Expires and escalates pending approvals; returns the ids it changed. */
  sweepApprovals(): Promise<string[]>;
  /** Runs `fn` on the current view of the action while holding its lock. */
  withAction<T>(id: string, fn: (view: ActionView) => Promise<T>): Promise<T>;
  record: RecordEvent;
}

const AUDIT_KIND: Record<ActionEventKind, AuditKind> = {
  proposed: 'action.proposed',
  decided: 'policy.decided',
  vote: 'approval.granted',
  escalated: 'approval.escalated',
  held: 'execution.step',
  dry_run: 'execution.step',
  started: 'execution.step',
  step: 'execution.step',
  verified: 'execution.step',
  succeeded: 'execution.result',
  failed: 'execution.result',
  rolled_back: 'rollback',
  expired: 'action.closed',
  cancelled: 'action.closed',
};

/** `user:alice`, `agent:remediator`, `controller`. */
export function actorRef(actor: Pick<Actor, 'id' | 'kind'>): string {
  if (actor.kind === 'system') return actor.id === 'controller' ? 'controller' : `system:${actor.id}`;
  return `${actor.kind === 'human' ? 'user' : 'agent'}:${actor.id}`;
}

/** Time-ordered, unique action ids: `act-<ms hex>-<random>`. */
export function newActionId(nowMs: number): string {
  return `act-${nowMs.toString(16).padStart(12, '0')}-${randomBytes(4).toString('hex')}`;
}

/** Creates the action service. */
export function createActionService(params: ActionServiceParams): ActionService {
  const { events, audit, locks, logger } = params;
  const clock = params.clock ?? Date.now;
  const metrics = createControlMetrics(params.metrics);

  const record: RecordEvent = async (view, event, state, actor, data) => {
    const kind: AuditKind =
      event === 'vote' && (data['vote'] as Vote | undefined)?.decision === 'reject'
        ? 'approval.denied'
        : AUDIT_KIND[event];
    const [rec] = (await audit.append([
      { kind, actor, subject: view.id, payload: { event, state, type: view.type, service: view.service, ...data } },
    ])) as [AuditRecord];
    const e: ActionEvent = {
      actionId: view.id,
      seq: view.events.length + 1,
      ts: rec.ts,
      event,
      state,
      type: view.type,
      service: view.service,
      team: view.team,
      target: view.target.name,
      actor,
      data,
      auditSeq: rec.seq,
    };
    await events.append([e]);
    view.events.push(e);
    if (params.publish) {
      const publish = params.publish;
      // Message ids make a republished event a duplicate JetStream drops.
      await Promise.all([
        publish(
          `aegis.actions.${state}`,
          {
            actionId: view.id,
            seq: e.seq,
            event,
            state,
            type: view.type,
            service: view.service,
            team: view.team,
            auditSeq: rec.seq,
            ts: rec.ts,
          },
          `${view.id}:${e.seq}`,
        ),
        publish('aegis.audit', rec, `audit:${rec.keyId}:${rec.seq}`),
      ]).catch((err: unknown) => logger.warn({ err: String(err), actionId: view.id }, 'action event not published'));
    }
    return e;
  };

  async function load(id: string): Promise<ActionView> {
    const history = await events.history(id);
    if (history.length === 0) throw new NotFoundError(`no action with id ${id}`);
    return foldAction(history);
  }

  async function withAction<T>(id: string, fn: (view: ActionView) => Promise<T>): Promise<T> {
    const release = await locks.acquire(`action.${id}`, 10_000);
    if (!release) throw new InputError(`action ${id} is being changed by another request; try again`);
    try {
      return await fn(await load(id));
    } finally {
      await release();
    }
  }

  async function propose(input: unknown, actor: Actor): Promise<ActionView> {
    const resolved = resolveProposal(input, params.catalog());
    const { proposal, spec, target } = resolved;
    const key = proposal.idempotencyKey;
    const release = key ? await locks.acquire(`propose.${key}`, 10_000) : undefined;
    try {
      if (key) {
        const existing = await events.byIdempotencyKey(key);
        if (existing) return await load(existing);
      }
      const nowMs = clock();
      const [burn, openIncidents, cost] = await Promise.all([
        params.platform.burn(target.service),
        params.platform.openIncidents(target.service),
        proposal.impact?.costUsdMonth !== undefined
          ? Promise.resolve(proposal.impact.costUsdMonth)
          : estimateCost(resolved),
      ]);
      const impact = {
        costUsdMonth: Math.round(cost * 100) / 100,
        errorBudgetCost: proposal.impact?.errorBudgetCost ?? spec.errorBudgetCost,
        blastRadius: resolved.blastRadius,
      };
      const id = newActionId(nowMs);
      const proposed: ProposedData = {
        target,
        params: resolved.params,
        impact,
        proposer: actor,
        reason: proposal.reason,
        reversible: spec.reversible,
        ...(proposal.recommendationId ? { recommendationId: proposal.recommendationId } : {}),
        ...(key ? { idempotencyKey: key } : {}),
      };
      const seed: ActionSeed = { id, type: spec.type, service: target.service, team: target.owner, target, events: [] };
      const who = actorRef(actor);
      await record(seed, 'proposed', 'proposed', who, proposed as unknown as Record<string, unknown>);

      const policyInput: PolicyInput = {
        action: { id, type: spec.type, params: resolved.params, reversible: spec.reversible, dryRun: false },
        target,
        impact,
        actor,
        context: {
          nowMs,
          openIncidents,
          burnRate: { firing: burn.firing, severity: burn.severity },
          changeWindow: inChangeWindow(params.control.execution.changeWindows, nowMs),
          freeze: activeFreeze(params.control.execution.freezes, nowMs) !== undefined,
        },
      };
      const decision = params.policy.current().evaluate(policyInput, { nowMs });
      metrics.decided(decision.effect, decision.defaultApplied);
      const automation = automationLevel(params.control.automation, spec.type);
      // approve-then-auto: a person looks even where policy allows; the owning team by default.
      const effect =
        decision.effect === 'allow' && automation === 'approve-then-auto' ? 'require_approval' : decision.effect;
      const approvers = decision.effect === effect ? decision.approvers : [target.owner];
      let approval: ApprovalRequirement | undefined;
      if (effect === 'require_approval') {
        approval = routeApproval({
          actionId: id,
          decisionApprovers: approvers.length > 0 ? approvers : [target.owner],
          target,
          impact,
          errorBudgetRemaining: burn.budgetRemaining,
          reversible: spec.reversible,
          proposer: { id: actor.id, kind: actor.kind },
          nowMs,
          teams: teamsFromCatalog(params.catalog().teams),
          config: params.approvals,
        });
      }
      const state: ActionState = effect === 'deny' ? 'denied' : effect === 'allow' ? 'approved' : 'pending_approval';
      await record(seed, 'decided', transition(id, 'proposed', state), 'controller', {
        decision,
        automation,
        context: policyInput.context,
        ...(approval ? { approval } : {}),
      });
      return foldAction(seed.events);
    } finally {
      await release?.();
    }
  }

  async function estimateCost(resolved: ReturnType<typeof resolveProposal>): Promise<number> {
    const { spec, target, params: p } = resolved;
    switch (spec.type) {
      case 'stop_idle':
        return -(await params.platform.resourceCostMonth(target.resourceId ?? ''));
      case 'rightsize':
        return -(await params.platform.resourceCostMonth(target.resourceId ?? '')) * (1 - Number(p['factor']));
      case 'scale_up':
        return (await params.platform.serviceCostMonth(target.service)) * (Number(p['factor']) - 1);
      default:
        return 0;
    }
  }

  return {
    propose,
    record,
    withAction,
    get: load,
    async list(filter) {
      const latest = await events.latest(filter);
      // One read for all their histories, not one per action.
      const histories = await events.histories(latest.map((e) => e.actionId));
      return latest.map((e) => foldAction(histories.get(e.actionId) ?? []));
    },
    vote(id, voter, decision, comment) {
      return withAction(id, async (view) => {
        if (view.state !== 'pending_approval') {
          throw new InputError(`action ${id} is ${view.state}: only pending_approval actions take votes`);
        }
        const requirement = view.approval as unknown as ApprovalRequirement;
        const nowMs = clock();
        const votes = castVote(requirement, view.votes as Vote[], {
          voter,
          decision,
          atMs: nowMs,
          ...(comment ? { comment } : {}),
        });
        // Stored as castVote normalised it (`user:default/Bob` → `bob`).
        const vote = votes.at(-1)!;
        const result = tally(requirement, votes, nowMs);
        const next: ActionState =
          result.state === 'approved'
            ? 'approved'
            : result.state === 'rejected'
              ? 'denied'
              : result.state === 'expired'
                ? 'expired'
                : 'pending_approval';
        await record(
          view,
          'vote',
          next === 'pending_approval' ? next : transition(id, view.state, next),
          actorRef(voter),
          {
            vote,
            tally: result,
          },
        );
        if (next !== 'pending_approval')
          metrics.approvalClosed(
            next === 'approved' ? 'approved' : next === 'denied' ? 'rejected' : 'expired',
            (nowMs - view.createdAtMs) / 1000,
          );
        return foldAction(view.events);
      });
    },
    cancel(id, actor, reason) {
      return withAction(id, async (view) => {
        await record(view, 'cancelled', transition(id, view.state, 'cancelled'), actorRef(actor), { reason });
        return foldAction(view.events);
      });
    },
    async sweepApprovals() {
      const changed: string[] = [];
      const nowMs = clock();
      for (const latest of await events.latest({ states: ['pending_approval', 'approved'], limit: 1000 })) {
        await withAction(latest.actionId, async (view) => {
          if (view.state === 'pending_approval') {
            const requirement = view.approval as unknown as ApprovalRequirement;
            const result = tally(requirement, view.votes as Vote[], nowMs);
            if (result.state === 'expired') {
              await record(view, 'expired', transition(view.id, view.state, 'expired'), 'controller', {
                reason: `nobody decided before ${new Date(requirement.expiresAtMs).toISOString()}`,
                tally: result,
              });
              metrics.approvalClosed('expired', (nowMs - view.createdAtMs) / 1000);
              changed.push(view.id);
            } else if (result.escalated && !view.escalated) {
              await record(view, 'escalated', view.state, 'controller', {
                escalateTo: requirement.escalateTo,
                missing: result.missing,
              });
              changed.push(view.id);
            }
          } else if (
            view.state === 'approved' &&
            nowMs - view.updatedAtMs > params.approvals.expiryMs &&
            automationLevel(params.control.automation, view.type) === 'manual'
          ) {
            // A stale approval is not a licence: the platform it was given for has moved on.
            await record(view, 'expired', transition(view.id, view.state, 'expired'), 'controller', {
              reason: `approved but not executed within ${params.approvals.expiryMs} ms`,
            });
            changed.push(view.id);
          }
        });
      }
      return changed;
    },
  };
}
