import type { ControlConfig } from '../../core/config/index.ts';
import { InputError, messageOf } from '../../core/errors.ts';
import { withTimeout } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/logger.ts';
import { actionTypeSpec } from '../actions/action-types.ts';
import type { ActionEventStore } from '../actions/events.ts';
import type { PlatformState } from '../actions/platform-state.ts';
import type { Actor } from '../actions/proposal.ts';
import { type ActionService, actorRef } from '../actions/service.ts';
import { type ActionView, foldAction } from '../actions/view.ts';
import type { ExecutionMode, ExecutionRequest, ExecutionResult, Executor } from '../executors/types.ts';
import type { Locks } from '../locks.ts';
import { checkGuards } from './guards.ts';
import type { PostConditions } from './post-conditions.ts';

/** Dependencies of {@link createExecutionRunner}. */
export interface ExecutionRunnerParams {
  actions: ActionService;
  events: ActionEventStore;
  platform: PlatformState;
  /** In order of preference: the first that supports a type carries it out. */
  executors: readonly Executor[];
  locks: Locks;
  postConditions: PostConditions;
  config: ControlConfig['execution'];
  clock?: () => number;
  logger: Logger;
}

/** Carries out approved actions safely: guards, a lock per target, dry run first, retries with one
 *  idempotency key, then a post-condition against fresh telemetry with rollback when it fails. */
export interface ExecutionRunner {
  /** Dry run (any state before execution; records what would change) or execution (approved only).
   *  A guard that holds the action records why and returns it still approved. */
  execute(id: string, actor: Actor, options?: { dryRun?: boolean }): Promise<ActionView>;
  /** Checks a succeeded action's post-condition once fresh telemetry is in; rolls back when it fails. */
  verify(id: string): Promise<ActionView>;
  /** Finishes an execution a crash or a lost answer left in `executing` (same idempotency key). */
  resume(id: string): Promise<ActionView>;
}

/** AEGIS itself, when the controller acts on its own (automation, sweeps). */
export const CONTROLLER: Actor = { id: 'controller', kind: 'system', roles: [] };

/** Creates the runner. */
export function createExecutionRunner(params: ExecutionRunnerParams): ExecutionRunner {
  const { actions, locks, config, logger } = params;
  const clock = params.clock ?? Date.now;

  function executorFor(type: string): Executor {
    const executor = params.executors.find((e) => e.supports(type));
    if (!executor) throw new InputError(`no executor carries out ${type} actions (configure a webhook or an agent)`);
    return executor;
  }

  function request(view: ActionView, mode: ExecutionMode, undo?: Record<string, unknown>): ExecutionRequest {
    const { target } = view;
    return {
      actionId: view.id,
      type: view.type,
      mode,
      target: {
        kind: target.kind,
        name: target.name,
        service: target.service,
        owner: target.owner,
        tier: target.tier,
        env: target.env,
        ...(target.resourceId ? { resourceId: target.resourceId } : {}),
      },
      params: view.params,
      idempotencyKey: `${view.id}:${mode}`,
      deadlineMs: clock() + config.timeoutMs,
      ...(undo ? { undo } : {}),
    };
  }

  /** Calls the executor, retrying an unknown outcome with the same idempotency key. */
  async function call(executor: Executor, req: ExecutionRequest): Promise<ExecutionResult> {
    let last: unknown;
    for (let attempt = 1; attempt <= config.attempts; attempt++) {
      // The signal tells the executor to give up; withTimeout stops waiting for one that does not.
      const signal = AbortSignal.timeout(config.timeoutMs);
      try {
        return await withTimeout(
          executor.run({ ...req, deadlineMs: clock() + config.timeoutMs }, signal),
          config.timeoutMs,
        );
      } catch (err) {
        last = err;
        logger.warn({ actionId: req.actionId, mode: req.mode, attempt, err: messageOf(err) }, 'executor call failed');
      }
    }
    return {
      ok: false,
      summary: `${executor.name} gave no answer after ${config.attempts} attempt(s): ${messageOf(last)}`,
      details: { unknownOutcome: true },
      replayed: false,
    };
  }

  async function dryRun(view: ActionView, actor: Actor): Promise<ExecutionResult> {
    const executor = executorFor(view.type);
    const result = await call(executor, request(view, 'dry_run'));
    await actions.record(view, 'dry_run', view.state, actorRef(actor), { executor: executor.name, result });
    return result;
  }

  async function execute(id: string, actor: Actor, options: { dryRun?: boolean } = {}): Promise<ActionView> {
    return actions.withAction(id, async (view) => {
      if (options.dryRun) {
        if (!['proposed', 'pending_approval', 'approved'].includes(view.state)) {
          throw new InputError(`action ${id} is ${view.state}: a dry run is for actions not yet executed`);
        }
        await dryRun(view, actor);
        return foldAction(view.events);
      }
      if (view.state !== 'approved') {
        throw new InputError(`action ${id} is ${view.state}: only approved actions execute`);
      }
      const spec = actionTypeSpec(view.type);
      const targetKey = `target.${view.target.resourceId ?? view.target.service}`;
      const release = await locks.acquire(targetKey, 0);
      const hold = async (guard: string, reason: string) => {
        // One record per reason: a sweep that finds the same hold again says nothing new.
        if (view.heldReason !== reason) await actions.record(view, 'held', view.state, 'controller', { guard, reason });
        return foldAction(view.events);
      };
      if (!release) return hold('target_lock', `another action on ${view.target.name} is in flight`);
      try {
        const nowMs = clock();
        const hourAgo = nowMs - 3_600_000;
        const [burn, typeCount, teamCount] = await Promise.all([
          params.platform.burn(view.service),
          params.events.countStarted({ sinceMs: hourAgo, type: view.type }),
          params.events.countStarted({ sinceMs: hourAgo, team: view.team }),
        ]);
        const held = checkGuards(
          {
            action: view,
            addsRisk: spec?.addsRisk ?? true,
            nowMs,
            burnSeverity: burn.severity,
            startedLastHour: { type: typeCount, team: teamCount },
          },
          config,
        );
        if (held?.final) {
          await actions.record(view, 'cancelled', 'cancelled', 'controller', {
            guard: held.guard,
            reason: held.reason,
          });
          return foldAction(view.events);
        }
        if (held) return hold(held.guard, held.reason);

        const executor = executorFor(view.type);
        const preview = await dryRun(view, actor);
        await actions.record(view, 'started', 'executing', actorRef(actor), {
          executor: executor.name,
          idempotencyKey: `${view.id}:execute`,
          burnBefore: burn,
        });
        if (!preview.ok) {
          await actions.record(view, 'failed', 'failed', 'controller', {
            result: { ...preview, summary: `dry run refused: ${preview.summary}` },
          });
          return foldAction(view.events);
        }
        await runExecute(view, executor);
        return foldAction(view.events);
      } finally {
        await release();
      }
    });
  }

  /** Makes the change and records how it went. */
  async function runExecute(view: ActionView, executor: Executor, extra: Record<string, unknown> = {}): Promise<void> {
    const result = await call(executor, request(view, 'execute'));
    const outcome = result.ok ? 'succeeded' : 'failed';
    await actions.record(view, outcome, outcome, 'controller', { executor: executor.name, result, ...extra });
  }

  /** Undoes an executed change; says how it went. */
  async function rollback(view: ActionView, reason: string): Promise<'rolled_back' | 'impossible' | 'failed'> {
    const undo = view.result?.undo;
    if (!undo) {
      await actions.record(view, 'step', view.state, 'controller', {
        step: 'rollback_impossible',
        reason: `${reason}; ${view.type} cannot be undone automatically: a person must look`,
      });
      return 'impossible';
    }
    const executor = executorFor(view.type);
    const result = await call(executor, request(view, 'rollback', undo));
    if (!result.ok) {
      // Stays succeeded and unverified: the next sweep tries the rollback again.
      await actions.record(view, 'step', view.state, 'controller', { step: 'rollback_failed', reason, result });
      return 'failed';
    }
    await actions.record(view, 'rolled_back', 'rolled_back', 'controller', { reason, executor: executor.name, result });
    return 'rolled_back';
  }

  return {
    execute,
    async verify(id) {
      return actions.withAction(id, async (view) => {
        if (view.state !== 'succeeded' || view.verification) return view;
        const started = view.events.findLast((e) => e.event === 'started');
        const startedAtMs = started?.ts ?? view.updatedAtMs;
        const nowMs = clock();
        if (nowMs < startedAtMs + config.verifyAfterMs) return view;
        const verdict = await params.postConditions.check(view, startedAtMs, nowMs);
        if (verdict.status === 'pending') {
          if (nowMs < startedAtMs + config.verifyTimeoutMs) return view;
          await actions.record(view, 'verified', view.state, 'controller', {
            met: false,
            detail: `unverified: ${verdict.detail} within ${config.verifyTimeoutMs} ms; not rolled back without evidence of harm`,
          });
          return foldAction(view.events);
        }
        if (verdict.status === 'unmet') {
          const outcome = await rollback(view, `post-condition failed: ${verdict.detail}`);
          if (outcome !== 'impossible') return foldAction(view.events);
        }
        await actions.record(view, 'verified', view.state, 'controller', {
          met: verdict.status === 'met',
          detail: verdict.detail,
        });
        return foldAction(view.events);
      });
    },
    async resume(id) {
      return actions.withAction(id, async (view) => {
        if (view.state !== 'executing') return view;
        const started = view.events.findLast((e) => e.event === 'started');
        // Someone may still be waiting on the executor: only a call older than every retry is lost.
        if (started && clock() - started.ts < config.timeoutMs * config.attempts) return view;
        await runExecute(view, executorFor(view.type), { resumed: true });
        return foldAction(view.events);
      });
    },
  };
}
