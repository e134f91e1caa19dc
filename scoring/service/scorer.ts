import type { Bus } from '../../core/bus/index.ts';
import type { ScoringConfig } from '../../core/config/index.ts';
import { type Component, type ComponentState, sleep } from '../../core/lifecycle.ts';
import type { Logger } from '../../core/logger.ts';
import { histogram, type Registry } from '../../core/metrics.ts';
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
  /** The process registry: pass and step durations go in it. */
  metrics?: Registry;
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
  const observe = passMetrics(deps.metrics);
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
      const t0 = performance.now();
      return runScoringPass(passDeps, { ...settings, storeAllScores }, now).then(
        (result) => {
          observe(result, (performance.now() - t0) / 1000);
          return result;
        },
        (err: unknown) => {
          observe(undefined, (performance.now() - t0) / 1000);
          throw err;
        },
      );
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

/** Records a finished pass (undefined: it failed) in `aegis_scoring_pass_duration_seconds{outcome}` and its
 *  steps in `aegis_scoring_step_duration_seconds{step}`; a no-op without a registry. */
function passMetrics(registry: Registry | undefined): (result: PassResult | undefined, seconds: number) => void {
  if (!registry) return () => undefined;
  const pass = histogram(registry, {
    name: 'aegis_scoring_pass_duration_seconds',
    help: 'Duration of a whole scoring pass (read, score, reconcile, store), in seconds, by outcome (ok, failed)',
    labelNames: ['outcome'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
  });
  const step = histogram(registry, {
    name: 'aegis_scoring_step_duration_seconds',
    help: 'Duration of one step of a successful scoring pass (reliability, anomalies, resources, capacity, security, operations, insights), in seconds',
    labelNames: ['step'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  });
  for (const outcome of ['ok', 'failed']) pass.zero({ outcome });
  return (result, seconds) => {
    pass.observe({ outcome: result ? 'ok' : 'failed' }, seconds);
    for (const [name, ms] of Object.entries(result?.stepsMs ?? {})) step.observe({ step: name }, ms / 1000);
  };
}

/** Monthly budgets the catalog declares per team. */
function budgetsOf(d: Definitions): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of d.catalog.teams) if (t.budgetMonthlyUsd !== null) out[t.name] = t.budgetMonthlyUsd;
  return out;
}
