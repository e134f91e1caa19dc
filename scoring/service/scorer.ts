import type { Bus } from '../../core/bus/index.ts';
import type { ScoringConfig } from '../../core/config/index.ts';
import { type Component, type ComponentState, sleep } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/logger.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import type { Definitions } from './definitions.ts';
import { type PassDeps, type PassResult, type PassSettings, runScoringPass } from './pass.ts';

/** The scorer role: a scoring pass every `intervalSec`, and on demand. */
export interface Scorer extends Component {
  /** Runs one pass now (waiting for a scheduled one in flight to finish first). */
  runOnce(nowMs?: number): Promise<PassResult>;
  /** The last pass, if any. */
  readonly last: PassResult | undefined;
  /** The catalog and SLOs it scores against. */
  readonly definitions: Definitions;
}

/** What the scorer is built from. */
export interface ScorerDeps {
  warehouse: Warehouse;
  bus?: Bus | undefined;
  logger: Logger;
  definitions: Definitions;
  anomalies?: PassDeps['anomalies'];
  capacity?: PassDeps['capacity'];
  /** Resolves when the first pass may run (e.g. once the backfill is stored). @default at once */
  ready?: Promise<unknown>;
  /** Runs after the last pass on stop (persisting detector state). */
  onStop?: () => Promise<void>;
}

/** Builds the scorer: passes run one at a time; a failed pass is logged and the next one runs on
 *  schedule, since the store may be back by then. */
export function createScorer(config: ScoringConfig, deps: ScorerDeps): Scorer {
  let state: ComponentState = 'idle';
  let last: PassResult | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  let loop: Promise<void> | undefined;
  const abort = new AbortController();
  const logger = deps.logger;
  const settings = passSettings(config, budgetsOf(deps.definitions));
  const passDeps: PassDeps = {
    warehouse: deps.warehouse,
    bus: deps.bus,
    logger,
    catalog: deps.definitions.catalog,
    slos: deps.definitions.slos,
    ...(deps.anomalies ? { anomalies: deps.anomalies } : {}),
    ...(deps.capacity ? { capacity: deps.capacity } : {}),
  };

  // Service and team scores are stored every `storeScoresEverySec`, not every pass: at a pass a
  // minute they would be most of the table. Platform scores, SLO status and insights go every pass.
  let storedAllAt = Number.NEGATIVE_INFINITY;
  const runOnce = (nowMs?: number): Promise<PassResult> => {
    const run = chain.then(() => {
      const now = nowMs ?? Date.now();
      const storeAllScores = now - storedAllAt >= config.storeScoresEverySec * 1000;
      if (storeAllScores) storedAllAt = now;
      return runScoringPass(passDeps, { ...settings, storeAllScores }, now);
    });
    chain = run.then(
      (r) => {
        last = r;
      },
      () => undefined,
    );
    return run;
  };

  return {
    name: 'scorer',
    get state() {
      return state;
    },
    get last() {
      return last;
    },
    definitions: deps.definitions,
    runOnce,
    async start() {
      if (state !== 'idle') return;
      state = 'running';
      loop = (async () => {
        await Promise.race([deps.ready ?? Promise.resolve(), sleep(2 ** 31 - 1, abort.signal)]);
        while (!abort.signal.aborted) {
          try {
            await runOnce();
          } catch (err) {
            logger.error({ err }, 'scoring pass failed; the next one runs on schedule');
          }
          await sleep(config.intervalSec * 1000, abort.signal);
        }
      })();
    },
    async stop() {
      if (state === 'stopped' || state === 'idle') {
        state = 'stopped';
        return;
      }
      state = 'stopping';
      abort.abort();
      await loop;
      await chain;
      await deps.onStop?.().catch((err: unknown) => logger.error({ err }, 'scorer stop hook failed'));
      state = 'stopped';
    },
  };
}

/** A pass's settings from the scoring configuration; configured budgets override the catalog's. */
export function passSettings(config: ScoringConfig, catalogBudgets: Record<string, number> = {}): PassSettings {
  return {
    lookbackDays: config.lookbackDays,
    recomputeHours: config.recomputeHours,
    minEvents: config.minEvents,
    requiredTags: config.requiredTags,
    deployActions: config.deployActions,
    unusedAccessDays: config.unusedAccessDays,
    budgets: { ...catalogBudgets, ...config.budgets },
  };
}

/** Monthly budgets the catalog declares per team. */
function budgetsOf(d: Definitions): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of d.catalog.teams) if (t.budgetMonthlyUsd !== null) out[t.name] = t.budgetMonthlyUsd;
  return out;
}
