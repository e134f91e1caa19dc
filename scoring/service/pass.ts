import { randomUUID } from 'node:crypto';
import type { Bus } from '../../core/bus/index.ts';
import type { Logger } from '../../core/logger.ts';
import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import { assessMaturity, type MaturityAssessment, type MaturityEvidence } from '../assessment/index.ts';
import type { Catalog, SloDefinition } from '../catalog/index.ts';
import type { AnomalousSpendDay } from '../detection/watcher.ts';
import { reconcile } from '../insights/reconcile.ts';
import { burnHolds, sloFindings } from '../insights/slo-findings.ts';
import { readOpenInsights, saveAndPublish } from '../insights/store.ts';
import type { Finding } from '../insights/types.ts';
import { healthIndex, rollUp, TIER_WEIGHTS } from '../scorers/index.ts';
import type { Dimension, Score, Tier } from '../types.ts';
import { type CapacityResult, FORECAST_VERSION } from './forecast-pass.ts';
import { type Corrections, operationsStep, recentChanges, securityStep } from './people-pass.ts';
import { reliabilityStep } from './reliability-pass.ts';
import { resourceStep } from './resource-pass.ts';
import { objectiveTargets } from './slo-targets.ts';

/** Settings of a scoring pass (the `scoring` section of the configuration). */
export interface PassSettings {
  lookbackDays: number;
  recomputeHours: number;
  minEvents: number;
  requiredTags: string[];
  deployActions: string[];
  budgets: Record<string, number>;
  /** Days after which an unexercised privileged action counts as unused. */
  unusedAccessDays: number;
  /** Store service and team scores too, not only the platform's. @default true */
  storeAllScores?: boolean;
}

/** Everything a pass reads and writes through. */
export interface PassDeps {
  warehouse: Warehouse;
  bus?: Bus | undefined;
  logger: Logger;
  catalog: Catalog;
  slos: readonly SloDefinition[];
  /** Capacity forecasts (hourly) and the hit rate of past ones. */
  capacity?: (nowMs: number) => Promise<CapacityResult>;
  /** Anomaly detection over the platform's series, run before the scores that use it. */
  anomalies?: (nowMs: number) => Promise<{ findings: Finding[]; spendDays: ReadonlyMap<string, AnomalousSpendDay[]> }>;
}

/** What one pass did. */
export interface PassResult {
  passId: string;
  nowMs: number;
  durationMs: number;
  scores: Score[];
  health: Score;
  maturity: MaturityAssessment;
  findings: number;
  insightsWritten: number;
  recommendationsWritten: number;
  published: number;
  skippedSlos: { slo: string; reason: string }[];
  /** Milliseconds each step took. */
  stepsMs: Record<string, number>;
}

/** Days of history the pass looks at for deploys and incidents. */
const OPERATIONS_WINDOW_DAYS = 30;

/** One scoring pass: reads rollups (so its cost follows the number of series, not the history
 *  kept), computes every score, the health index and the maturity level, reconciles insights and
 *  recommendations, stores all of it and publishes what changed. */
export async function runScoringPass(deps: PassDeps, settings: PassSettings, nowMs = Date.now()): Promise<PassResult> {
  const started = performance.now();
  const wh = deps.warehouse;
  const passId = randomUUID();
  const { catalog } = deps;

  // Each step's duration goes into the pass log: where a slow pass spends its time.
  const stepsMs: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const out = await fn();
    stepsMs[name] = Math.round(performance.now() - t0);
    return out;
  };
  const { targets, skipped } = objectiveTargets(deps.slos, nowMs);
  const reliability = await timed('reliability', () =>
    reliabilityStep(wh, catalog, targets, {
      nowMs,
      passId,
      minEvents: settings.minEvents,
      recomputeHours: settings.recomputeHours,
    }),
  );
  const anomalies = await timed('anomalies', async () =>
    deps.anomalies ? deps.anomalies(nowMs) : { findings: [], spendDays: new Map() },
  );
  const resources = await timed('resources', () =>
    resourceStep(wh, catalog, {
      nowMs,
      lookbackDays: settings.lookbackDays,
      requiredTags: settings.requiredTags,
      budgets: settings.budgets,
      spendDays: anomalies.spendDays,
    }),
  );
  const capacity = await timed('capacity', async () =>
    deps.capacity ? deps.capacity(nowMs) : { findings: [], hitRate: null, forecast: 0 },
  );
  const security = await timed('security', () => securityStep(wh, nowMs, settings.unusedAccessDays));
  const { changes, operations } = await timed('operations', async () => {
    const changes = await recentChanges(wh, catalog, nowMs, OPERATIONS_WINDOW_DAYS, settings.deployActions);
    return { changes, operations: await operationsStep(wh, nowMs, OPERATIONS_WINDOW_DAYS, changes) };
  });

  // Roll services up to teams and the platform, weighting each service by its tier.
  const tiers: Record<string, Tier> = Object.fromEntries(catalog.services.map((s) => [s.name, s.tier]));
  const weights = Object.fromEntries(Object.entries(tiers).map(([s, t]) => [s, TIER_WEIGHTS[t]]));
  const teamOf = (service: string) => catalog.teamOf(service)?.name ?? catalog.serviceByName(service)?.owner ?? '';
  const serviceScores: Record<Dimension, Score[]> = {
    reliability: reliability.scores,
    cost: resources.cost.filter((s) => s.scope === 'service'),
    governance: resources.governance.filter((s) => s.scope === 'service'),
    security: [],
    operations: [],
  };
  const rollups: Score[] = [];
  for (const dimension of ['reliability', 'governance'] as const) {
    const byTeam = new Map<string, Score[]>();
    for (const s of serviceScores[dimension])
      byTeam.set(teamOf(s.subject), [...(byTeam.get(teamOf(s.subject)) ?? []), s]);
    for (const [team, list] of byTeam) {
      rollups.push(rollUp(list, { dimension, scope: 'team', subject: team, weights, computedAtMs: nowMs }));
    }
  }
  rollups.push(
    rollUp(reliability.scores, {
      dimension: 'reliability',
      scope: 'platform',
      subject: 'platform',
      weights,
      computedAtMs: nowMs,
    }),
  );
  const platform = {
    reliability: rollups.find((s) => s.scope === 'platform' && s.dimension === 'reliability'),
    security: security.score,
    operations: operations.score,
  };
  const byService: Record<string, Partial<Record<Dimension, Score>>> = {};
  for (const [dimension, list] of Object.entries(serviceScores) as [Dimension, Score[]][]) {
    for (const s of list) byService[s.subject] = { ...byService[s.subject], [dimension]: s };
  }
  const health = healthIndex({ services: byService, tiers, platform, computedAtMs: nowMs });

  const tier12 = catalog.services.filter((s) => s.tier !== 'tier-3');
  const withSlo = new Set(targets.map((t) => t.service));
  const resolved = operations.incidents.filter((i) => i.resolvedMs !== undefined);
  const evidence: MaturityEvidence = {
    sloCoverage: tier12.length > 0 ? tier12.filter((s) => withSlo.has(s.name)).length / tier12.length : null,
    burnRateAlerting: targets.length > 0,
    ownershipCoverage:
      resources.inventory.length > 0
        ? resources.inventory.filter((r) => catalog.resourceById(r.id) || r.owner).length / resources.inventory.length
        : null,
    ...correctionShares(operations.corrections),
    forecastHitRate: capacity.hitRate,
    approvalLatencyP50Ms: operations.approvalLatencyP50Ms,
    anomalyDetection: deps.anomalies !== undefined,
    dora: {
      deployFrequencyPerDay: changes.length > 0 ? changes.length / OPERATIONS_WINDOW_DAYS : null,
      leadTimeMs: null,
      changeFailureRate: operations.changeFailureRate,
      mttrMs: resolved.length > 0 ? median(resolved.map((i) => (i.resolvedMs as number) - i.startMs)) : null,
    },
  };
  const maturity = assessMaturity(evidence);

  const allScores = [
    ...reliability.scores,
    ...resources.cost,
    ...resources.governance,
    ...rollups,
    security.score,
    operations.score,
    health,
  ];
  // Platform scores go in every pass; per-service and per-team ones (the bulk) when asked.
  const stored = settings.storeAllScores === false ? allScores.filter((s) => s.scope === 'platform') : allScores;
  await wh.insert(
    'scores',
    toJsonEachRow([...stored.map((s) => scoreRow(s, passId)), maturityRow(maturity, passId, nowMs)]),
  );
  if (reliability.sloStatusRows.length > 0) await wh.insert('slo_status', toJsonEachRow(reliability.sloStatusRows));
  if (resources.budgetForecasts.length > 0) {
    const monthEnd = Date.UTC(new Date(nowMs).getUTCFullYear(), new Date(nowMs).getUTCMonth() + 1, 1);
    const rows = resources.budgetForecasts.map((f) => ({
      computed_at: nowMs,
      kind: 'cost',
      subject: f.team,
      metric: 'month_end_spend',
      ts: monthEnd,
      yhat: f.yhat,
      lower: f.lower,
      upper: f.upper,
      level: 80,
      model: f.model,
      model_version: FORECAST_VERSION,
      backtest_mase: null,
    }));
    await wh.insert('forecasts', toJsonEachRow(rows));
  }

  const findings = [
    ...sloFindings(reliability.burnStates, changes),
    ...resources.findings,
    ...security.findings,
    ...anomalies.findings,
    ...capacity.findings,
  ];
  const t0 = performance.now();
  const open = await readOpenInsights(wh);
  const reconciled = reconcile({
    nowMs,
    findings,
    openInsights: open.insights,
    recommendations: open.recommendations,
    holds: burnHolds(reliability.burnStates),
  });
  const { published } = await saveAndPublish(wh, deps.bus, reconciled, 'aegis/scorer');
  stepsMs.insights = Math.round(performance.now() - t0);
  const result: PassResult = {
    passId,
    nowMs,
    durationMs: Math.round(performance.now() - started),
    scores: allScores,
    health,
    maturity,
    findings: findings.length,
    insightsWritten: reconciled.insights.length,
    recommendationsWritten: reconciled.recommendations.length,
    published,
    skippedSlos: skipped,
    stepsMs,
  };
  deps.logger.info(
    {
      passId,
      durationMs: result.durationMs,
      scores: allScores.length,
      health: health.value,
      maturity: maturity.level,
      findings: findings.length,
      insights: reconciled.insights.length,
      published,
      stepsMs,
    },
    'scoring pass done',
  );
  return result;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

function scoreRow(s: Score, passId: string): object {
  return {
    computed_at: s.computedAtMs,
    pass_id: passId,
    dimension: s.dimension,
    scope: s.scope,
    subject: s.subject,
    value: s.value,
    components: JSON.stringify(s.components),
  };
}

/** The maturity assessment is kept beside the scores: its value is the level, its components the
 *  criteria with the evidence that met or missed them. */
function maturityRow(m: MaturityAssessment, passId: string, nowMs: number): object {
  return {
    computed_at: nowMs,
    pass_id: passId,
    dimension: 'maturity',
    scope: 'platform',
    subject: 'platform',
    value: m.level,
    components: JSON.stringify(m),
  };
}

/** Shares of executed corrections started by AEGIS itself, and of those not rolled back. */
function correctionShares(
  c: Corrections | null,
): Pick<MaturityEvidence, 'automationShare' | 'automatedWithoutRollbackShare'> {
  if (!c) return { automationShare: null, automatedWithoutRollbackShare: null };
  const total = c.automated + c.manual;
  return { automationShare: c.automated / total, automatedWithoutRollbackShare: (c.automated - c.rolledBack) / total };
}
