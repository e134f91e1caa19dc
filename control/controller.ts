import type { ControlConfig } from '../core/config/index.ts';
import { messageOf } from '../core/errors.ts';
import { type Component, type ComponentState, sleep } from '../core/lifecycle.ts';
import type { Logger } from '../core/logger.ts';
import type { RecommendationRow } from '../scoring/insights/types.ts';
import { automationLevel } from './actions/action-types.ts';
import type { ActionEventStore } from './actions/events.ts';
import { proposalFromRecommendation } from './actions/recommendations.ts';
import type { ActionService } from './actions/service.ts';
import type { AuditLog } from './audit/index.ts';
import { CONTROLLER, type ExecutionRunner } from './execution/runner.ts';
import type { Executor } from './executors/types.ts';
import type { PolicyStore } from './policy/index.ts';

/** The controller role: the gate every action passes, and the loop that moves actions along. */
export interface Controller extends Component {
  readonly actions: ActionService;
  readonly runner: ExecutionRunner;
  readonly policy: PolicyStore;
  readonly audit: AuditLog;
  /** Names of the executors, in order of preference. */
  readonly executors: readonly string[];
  /** Id of the key signing the audit log. */
  readonly keyId: string;
  /** One sweep now: expiry and escalation, automated executions, resumed executions, verification.
   *  Returns the ids it touched. */
  sweep(): Promise<string[]>;
}

/** Parts of {@link createController}. */
export interface ControllerParams {
  actions: ActionService;
  runner: ExecutionRunner;
  events: ActionEventStore;
  policy: PolicyStore;
  audit: AuditLog;
  executors: readonly Executor[];
  keyId: string;
  config: ControlConfig;
  logger: Logger;
  /** Open recommendations (latest versions): those of automated types become proposals by AEGIS. */
  recommendations?: () => Promise<RecommendationRow[]>;
  /** Run sweeps on a timer. @default true */
  schedule?: boolean;
}

/** Creates the controller from its parts (control/components.ts builds them from config). */
export function createController(params: ControllerParams): Controller {
  const { actions, runner, events, config, logger } = params;
  let state: ComponentState = 'idle';
  const abort = new AbortController();
  let loop: Promise<void> | undefined;
  let sweeping: Promise<string[]> | undefined;

  const automated = (type: string) => automationLevel(config.automation, type) !== 'manual';

  const refused = new Set<string>();

  /** Proposes what the open recommendations of automated types say, each once (by its idempotency key). */
  async function proposeRecommendations(touched: Set<string>): Promise<void> {
    if (!params.recommendations) return;
    for (const rec of await params.recommendations()) {
      if (rec.status !== 'open' || !automated(rec.type) || refused.has(rec.id)) continue;
      const proposal = proposalFromRecommendation(rec);
      if (!proposal?.idempotencyKey || (await events.byIdempotencyKey(proposal.idempotencyKey))) continue;
      try {
        touched.add((await actions.propose(proposal, CONTROLLER)).id);
      } catch (err) {
        // A recommendation the control layer refuses (an uncatalogued resource has no owner to ask) is
        // said once, not on every sweep.
        refused.add(rec.id);
        logger.warn({ recommendation: rec.id, type: rec.type, err: messageOf(err) }, 'recommendation not proposed');
      }
    }
  }

  async function sweepOnce(): Promise<string[]> {
    const touched = new Set(await actions.sweepApprovals());
    await proposeRecommendations(touched).catch((err: unknown) =>
      logger.warn({ err: messageOf(err) }, 'controller sweep: recommendations not read'),
    );
    const open = await events.latest({ states: ['approved', 'executing', 'succeeded'], limit: 500 });
    for (const latest of open) {
      if (abort.signal.aborted) break;
      try {
        if (latest.state === 'approved' && automated(latest.type)) {
          const view = await runner.execute(latest.actionId, CONTROLLER);
          if (view.state !== 'approved' || view.events.at(-1)?.seq !== latest.seq) touched.add(latest.actionId);
        } else if (latest.state === 'executing') {
          const view = await runner.resume(latest.actionId);
          if (view.state !== 'executing') touched.add(latest.actionId);
        } else if (latest.state === 'succeeded' && latest.event !== 'verified') {
          const view = await runner.verify(latest.actionId);
          if (view.events.at(-1)?.seq !== latest.seq) touched.add(latest.actionId);
        }
      } catch (err) {
        logger.warn(
          { actionId: latest.actionId, err: messageOf(err) },
          'controller sweep: action left for the next sweep',
        );
      }
    }
    return [...touched];
  }

  function sweep(): Promise<string[]> {
    // One sweep at a time: the timer and an on-demand call share it.
    sweeping ??= sweepOnce().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  }

  return {
    name: 'controller',
    get state() {
      return state;
    },
    actions,
    runner,
    policy: params.policy,
    audit: params.audit,
    executors: params.executors.map((e) => e.name),
    keyId: params.keyId,
    sweep,
    async start() {
      if (state !== 'idle') return;
      await params.policy.start();
      state = 'running';
      if (params.schedule === false) return;
      loop = (async () => {
        while (!abort.signal.aborted) {
          await sweep().catch((err: unknown) => logger.error({ err: messageOf(err) }, 'controller sweep failed'));
          await sleep(config.sweepIntervalSec * 1000, abort.signal);
        }
      })();
    },
    async stop() {
      if (state === 'stopped') return;
      state = 'stopping';
      abort.abort();
      await loop;
      await sweeping?.catch(() => undefined);
      await params.policy.stop();
      await params.audit.stop();
      await Promise.all(params.executors.map((e) => e.close?.().catch(() => undefined)));
      state = 'stopped';
    },
  };
}
