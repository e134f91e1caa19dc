import type { Warehouse } from '../../core/warehouse/index.ts';
import { forecastSeries } from '../../models/forecast/index.ts';
import type { Catalog } from '../catalog/index.ts';
import { type InventoryResource, readInventory } from '../inputs/inventory.ts';
import { readSpend, spendSeries } from '../inputs/spend.ts';
import { type CatalogPlacement, resourceFindings } from '../insights/resource-findings.ts';
import type { Finding } from '../insights/types.ts';
import {
  type CostInput,
  type GovernedResource,
  type SpendAnomaly,
  scoreCost,
  scoreGovernance,
} from '../scorers/index.ts';
import type { Score } from '../types.ts';

const DAY_MS = 86_400_000;

/** What the resource step of a pass produces. */
export interface ResourceResult {
  cost: Score[];
  governance: Score[];
  findings: Finding[];
  inventory: InventoryResource[];
  /** Month-end spend forecast per team with a budget. */
  budgetForecasts: { team: string; budget: number; yhat: number; lower: number; upper: number; model: string }[];
}

/** Parameters of {@link resourceStep}. */
export interface ResourceStepParams {
  nowMs: number;
  lookbackDays: number;
  requiredTags: string[];
  /** Monthly budget per team, USD. */
  budgets: Record<string, number>;
  /** Days of anomalous spend per service found by the anomaly step. */
  spendDays: ReadonlyMap<string, readonly { dayMs: number; score: number }[]>;
}

/** Cost and governance per service, team and platform, and the idle/oversized/shadow/untagged
 *  findings, from the inventory's lookback and daily spend. */
export async function resourceStep(wh: Warehouse, catalog: Catalog, p: ResourceStepParams): Promise<ResourceResult> {
  const nowMs = p.nowMs;
  const fromMs = nowMs - p.lookbackDays * DAY_MS;
  const inventory = await readInventory(wh, fromMs, nowMs);
  const placement = (id: string): CatalogPlacement | undefined => {
    const r = catalog.resourceById(id);
    if (!r) return undefined;
    const service = r.service ?? '';
    return { service, team: (service && catalog.teamOf(service)?.name) || r.owner };
  };
  const findings = resourceFindings(inventory, placement, {
    fromMs,
    toMs: nowMs,
    requiredTags: p.requiredTags,
  });

  // Daily spend of this month and the month before: month-to-date and the forecast's history.
  const monthStart = Date.UTC(new Date(nowMs).getUTCFullYear(), new Date(nowMs).getUTCMonth(), 1);
  const dayNow = Math.floor(nowMs / DAY_MS) * DAY_MS;
  const spendFrom = dayNow - 35 * DAY_MS;
  const spend = spendSeries(
    await readSpend(wh, 'cost_1d', spendFrom, dayNow + DAY_MS),
    spendFrom,
    dayNow + DAY_MS,
    DAY_MS,
  );
  const monthIndex = Math.max(0, Math.floor((monthStart - spendFrom) / DAY_MS));

  const byService = new Map<string, InventoryResource[]>();
  const governed: GovernedResource[] = [];
  for (const r of inventory) {
    const placed = placement(r.id);
    const service = placed?.service ?? r.service;
    byService.set(service, [...(byService.get(service) ?? []), r]);
    governed.push({
      id: r.id,
      service,
      owner: placed?.team ?? r.owner,
      catalogued: placed !== undefined,
      tags: r.tags,
      hourlyCost: r.hourlyCost,
    });
  }

  const costInput = (subject: string, scope: CostInput['scope'], resources: InventoryResource[], days: number[]) => ({
    subject,
    scope,
    fromMs,
    toMs: nowMs,
    resources,
    spendMonthToDate: days.slice(monthIndex).reduce((a, b) => a + b, 0),
    dailySpend: days.map((cost, i) => ({ dayMs: spendFrom + i * DAY_MS, cost })),
    spendAnomalies: [] as SpendAnomaly[],
  });
  const zeros = () => new Array<number>(36).fill(0);
  const sum = (a: number[], b: number[]) => a.map((x, i) => x + (b[i] ?? 0));

  const cost: Score[] = [];
  const governance: Score[] = [];
  const teamDays = new Map<string, number[]>();
  const teamResources = new Map<string, InventoryResource[]>();
  for (const s of [...catalog.services].sort((a, b) => a.name.localeCompare(b.name))) {
    const resources = byService.get(s.name) ?? [];
    const days = spend.get(s.name) ?? zeros();
    const team = catalog.teamOf(s)?.name ?? s.owner;
    teamDays.set(team, sum(teamDays.get(team) ?? zeros(), days));
    teamResources.set(team, [...(teamResources.get(team) ?? []), ...resources]);
    cost.push(
      scoreCost(
        {
          ...costInput(s.name, 'service', resources, days),
          spendAnomalies: spendAnomalies(p.spendDays.get(s.name) ?? [], days, spendFrom),
        },
        { nowMs },
      ),
    );
    const mine = new Set(resources.map((r) => r.id));
    governance.push(
      scoreGovernance(
        { subject: s.name, scope: 'service', resources: governed.filter((g) => mine.has(g.id)), policyViolations: [] },
        { nowMs, requiredTags: p.requiredTags },
      ),
    );
  }

  const budgetForecasts: ResourceResult['budgetForecasts'] = [];
  for (const [team, days] of [...teamDays].sort(([a], [b]) => a.localeCompare(b))) {
    const budget = p.budgets[team];
    const input: CostInput = costInput(team, 'team', teamResources.get(team) ?? [], days);
    if (budget !== undefined) {
      input.budgetMonthly = budget;
      const f = monthEndForecast(days, monthIndex, dayNow, nowMs);
      if (f) {
        input.forecastMonthEnd = f;
        budgetForecasts.push({ team, budget, ...f });
      }
    }
    cost.push(scoreCost(input, { nowMs }));
  }
  const allDays = [...teamDays.values()].reduce(sum, zeros());
  cost.push(scoreCost(costInput('platform', 'platform', inventory, allDays), { nowMs }));
  governance.push(
    scoreGovernance(
      { subject: 'platform', scope: 'platform', resources: governed, policyViolations: [] },
      { nowMs, requiredTags: p.requiredTags },
    ),
  );
  findings.push(...budgetFindings(budgetForecasts, nowMs));
  return { cost, governance, findings, inventory, budgetForecasts };
}

/** A `budget_overrun` insight per team whose month-end spend is forecast over its budget:
 *  critical when even the interval's lower bound is over. */
function budgetFindings(forecasts: ResourceResult['budgetForecasts'], nowMs: number): Finding[] {
  const usd = (x: number) => `$${Math.round(x).toLocaleString('en-US')}`;
  return forecasts
    .filter((f) => f.yhat > f.budget)
    .map((f) => ({
      kind: 'budget_overrun',
      subject: f.team,
      service: '',
      team: f.team,
      severity: f.lower > f.budget ? 'critical' : 'warning',
      title: `${f.team} is forecast to spend ${usd(f.yhat)} this month against a budget of ${usd(f.budget)}`,
      summary: `month-end forecast ${usd(f.yhat)} (80 % interval ${usd(f.lower)}–${usd(f.upper)}, ${f.model}), ${Math.round((100 * (f.yhat - f.budget)) / f.budget)} % over`,
      score: Math.min(1, (f.yhat - f.budget) / f.budget),
      evidence: [
        {
          kind: 'budget-forecast',
          subject: f.team,
          description: `month-end spend forecast ${usd(f.yhat)} against ${usd(f.budget)}`,
          value: f.yhat,
          threshold: f.budget,
          source: {
            table: 'forecasts',
            filter: { kind: 'cost', subject: f.team, metric: 'month_end_spend' },
            toMs: nowMs,
          },
        },
      ],
      recommendations: [],
    }));
}

/** Anomalous days with what the day cost and what it usually costs: the median of the seven days
 *  before it. */
function spendAnomalies(
  flagged: readonly { dayMs: number; score: number }[],
  days: readonly number[],
  fromMs: number,
): SpendAnomaly[] {
  const out = new Map<number, SpendAnomaly>();
  for (const f of flagged) {
    const i = Math.round((f.dayMs - fromMs) / DAY_MS);
    if (i < 1 || i >= days.length) continue;
    const before = days.slice(Math.max(0, i - 7), i).filter((x) => x > 0);
    if (before.length === 0) continue;
    const sorted = [...before].sort((a, b) => a - b);
    const expected = sorted[Math.floor(sorted.length / 2)] as number;
    const prev = out.get(f.dayMs);
    if (!prev || prev.score < f.score)
      out.set(f.dayMs, { dayMs: f.dayMs, cost: days[i] as number, expected, score: f.score });
  }
  return [...out.values()].sort((a, b) => a.dayMs - b.dayMs);
}

/** Month-end spend: month-to-date plus the forecast of the days left (today's partial day is
 *  replaced by its forecast), from the days since spend was first seen. Null when that history is
 *  too short to forecast. */
function monthEndForecast(days: number[], monthIndex: number, dayNow: number, nowMs: number) {
  const d = new Date(nowMs);
  const monthEnd = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const closed = days.slice(0, -1);
  const first = closed.findIndex((x) => x > 0);
  if (first < 0) return null;
  const history = closed.slice(first);
  const left = Math.max(1, Math.round((monthEnd - dayNow) / DAY_MS));
  const spent = closed.slice(monthIndex).reduce((a, b) => a + b, 0);
  try {
    const f = forecastSeries(history, { horizon: left, level: 80, period: history.length >= 21 ? 7 : 1 });
    const add = (xs: readonly number[]) => xs.reduce((a, b) => a + Math.max(0, b), 0);
    const { yhat, lower, upper } = f.forecast;
    return { yhat: spent + add(yhat), lower: spent + add(lower), upper: spent + add(upper), model: f.model };
  } catch {
    return null;
  }
}
