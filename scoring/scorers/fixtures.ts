/** Hand-computable inputs shared by the scorers' own tests and the shared suite
 *  (`scoring/scorer.case.test.ts`). Test data only; not exported from `index.ts`. */
import type { EventCounts, WindowName } from './burn-rate.ts';
import type { CostInput } from './cost.ts';
import type { GovernanceInput } from './governance.ts';
import type { OperationsInput } from './operations.ts';
import type { ReliabilityInput, SloDefinition } from './reliability.ts';
import type { SecurityInput } from './security.ts';

/** One minute, ms. */
export const MIN_MS = 60_000;
/** One hour, ms. */
export const HOUR_MS = 60 * MIN_MS;
/** One day, ms. */
export const DAY_MS = 24 * HOUR_MS;
/** Evaluation time of every fixture: 2026-11-16T00:00Z, exactly half of November gone. */
export const NOW_MS = Date.UTC(2026, 10, 16);

const MINUTES: Record<WindowName, number> = {
  '5m': 5,
  '30m': 30,
  '1h': 60,
  '2h': 120,
  '6h': 360,
  '1d': 1440,
  '3d': 4320,
  slo: 43_200,
};

/** Windows of a service taking `perMinute` events a minute with a steady `errorRatio`. */
export function steadyWindows(perMinute: number, errorRatio: number): Record<WindowName, EventCounts> {
  const out = {} as Record<WindowName, EventCounts>;
  for (const [w, minutes] of Object.entries(MINUTES) as [WindowName, number][]) {
    const total = minutes * perMinute;
    out[w] = { total, good: total - Math.round(total * errorRatio) };
  }
  return out;
}

/** A 99.9 % availability SLO over 30 days, counted by events. */
export const AVAILABILITY_SLO: SloDefinition = {
  name: 'checkout-availability',
  service: 'checkout',
  target: 0.999,
  budgeting: 'Occurrences',
  windowMs: 30 * DAY_MS,
  indicator: 'ratio',
};

/** A 99 % latency SLO over 30 days, counted in one-minute slices. */
export const LATENCY_SLO: SloDefinition = {
  name: 'checkout-latency',
  service: 'checkout',
  target: 0.99,
  budgeting: 'Timeslices',
  windowMs: 30 * DAY_MS,
  indicator: 'threshold',
};

/** checkout: availability met with half its budget left but paging now; latency half overspent.
 *  attainment 100, budget remaining min(50, 0) = 0, burn rate (page) 0, latency 50
 *  → (100 × 0.3 + 0 × 0.25 + 0 × 0.25 + 50 × 0.2) / 1 = 40. */
export const RELIABILITY_FIXTURE: ReliabilityInput = {
  service: 'checkout',
  slos: [
    {
      slo: AVAILABILITY_SLO,
      windows: {
        ...steadyWindows(100, 0),
        // 2,160 of 4,320,000 bad: attainment 99.95 %, 2,160 of 4,320 allowed → 50 % left.
        slo: { total: 4_320_000, good: 4_320_000 - 2_160 },
        // 90 / 6,000 = 1.5 % → burn 15; 10 / 500 = 2 % → burn 20: both > 14.4, page.
        '1h': { total: 6_000, good: 5_910 },
        '5m': { total: 500, good: 490 },
      },
    },
    {
      slo: LATENCY_SLO,
      // 648 of 43,200 slices bad: 98.5 % against 99 % → overspent by half → 50; budget −50 % → 0.
      windows: { slo: { total: 43_200, good: 43_200 - 648 } },
    },
  ],
};

/** checkout's resources and spend; see cost.test.ts for the arithmetic (score 82.59375). */
export const COST_FIXTURE: CostInput = {
  subject: 'checkout',
  fromMs: NOW_MS - 7 * DAY_MS,
  toMs: NOW_MS,
  resources: [
    {
      id: 'vm-busy',
      type: 'vm',
      provisionedVcpu: 4,
      provisionedMemoryGib: 16,
      hourlyCost: 1,
      cpuAvg: 0.5,
      memAvg: 0.6,
      cpuP95: 0.8,
      memP95: 0.7,
    },
    {
      id: 'vm-idle',
      type: 'vm',
      provisionedVcpu: 2,
      provisionedMemoryGib: 8,
      hourlyCost: 0.5,
      cpuAvg: 0.02,
      memAvg: 0.03,
      cpuP95: 0.04,
      memP95: 0.05,
    },
    {
      id: 'vm-big',
      type: 'vm',
      provisionedVcpu: 2,
      provisionedMemoryGib: 8,
      hourlyCost: 0.5,
      cpuAvg: 0.2,
      memAvg: 0.1,
      cpuP95: 0.3,
      memP95: 0.2,
    },
    {
      id: 'bucket',
      type: 'bucket',
      provisionedVcpu: null,
      provisionedMemoryGib: null,
      hourlyCost: 0.1,
      cpuAvg: null,
      memAvg: null,
      cpuP95: null,
      memP95: null,
    },
  ],
  spendMonthToDate: 900,
  dailySpend: Array.from({ length: 30 }, (_, i) => ({ dayMs: NOW_MS - (30 - i) * DAY_MS, cost: 50 })),
  budgetMonthly: 1500,
  forecastMonthEnd: { yhat: 1650, lower: 1500, upper: 1800 },
  spendAnomalies: [{ dayMs: NOW_MS - 3 * DAY_MS, cost: 80, expected: 50, score: 4.2 }],
};

/** Four resources, one shadow, one missing a tag and violating two rules (score 67.083…). */
export const GOVERNANCE_FIXTURE: GovernanceInput = {
  subject: 'platform',
  scope: 'platform',
  resources: [
    {
      id: 'r1',
      service: 'checkout',
      owner: 'team-a',
      catalogued: true,
      tags: { team: 'a', service: 'checkout', env: 'prod' },
      hourlyCost: 1,
    },
    {
      id: 'r2',
      service: 'checkout',
      owner: 'team-a',
      catalogued: true,
      tags: { team: 'a', service: 'checkout' },
      hourlyCost: 1,
    },
    { id: 'r3', service: '', owner: '', catalogued: false, tags: {}, hourlyCost: 2 },
    {
      id: 'r4',
      service: 'search',
      owner: 'team-b',
      catalogued: true,
      tags: { team: 'b', service: 'search', env: 'prod' },
      hourlyCost: 0,
    },
  ],
  policyViolations: [
    { rule: 'encryption-at-rest', subject: 'r2' },
    { rule: 'no-public-access', subject: 'r2' },
  ],
};

/** One day of access with one of everything bad (score 64.25). */
export const SECURITY_FIXTURE: SecurityInput = {
  subject: '111122223333',
  fromMs: NOW_MS - DAY_MS,
  toMs: NOW_MS,
  totalNow: 1000,
  rootEvents: 1,
  privilegedEvents: 40,
  privilegedWithoutMfa: 10,
  deniedNow: 60,
  deniedBaseline: 0.01,
  newPrincipals: [
    { principal: 'arn:aws:iam::111122223333:user/new-1', firstSeenMs: NOW_MS - HOUR_MS },
    { principal: 'arn:aws:iam::111122223333:user/new-2', firstSeenMs: NOW_MS - 2 * HOUR_MS },
  ],
  grants: [
    {
      principal: 'ci-deployer',
      grantedCount: 10,
      unusedActions: ['iam:PassRole', 's3:DeleteBucket', 'ec2:TerminateInstances', 'kms:Decrypt'],
    },
    { principal: 'analyst', grantedCount: 10, unusedActions: ['athena:StartQueryExecution'] },
  ],
  unusedAfterDays: 90,
};

/** A month of operations (score 70). */
export const OPERATIONS_FIXTURE: OperationsInput = {
  subject: 'checkout',
  fromMs: NOW_MS - 30 * DAY_MS,
  toMs: NOW_MS,
  corrections: { automated: 8, manual: 2, rolledBack: 2 },
  incidents: [
    {
      startMs: NOW_MS - 10 * DAY_MS,
      detectedMs: NOW_MS - 10 * DAY_MS + 2 * MIN_MS,
      resolvedMs: NOW_MS - 10 * DAY_MS + 30 * MIN_MS,
    },
    {
      startMs: NOW_MS - 5 * DAY_MS,
      detectedMs: NOW_MS - 5 * DAY_MS + 10 * MIN_MS,
      resolvedMs: NOW_MS - 5 * DAY_MS + 150 * MIN_MS,
    },
    { startMs: NOW_MS - HOUR_MS, detectedMs: NOW_MS - HOUR_MS + 3 * MIN_MS },
  ],
  changes: { deploys: 40, failed: 5 },
};
