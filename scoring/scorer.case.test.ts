/** The shared suite every scorer runs: bounds, weights, no-data behaviour, determinism and
 *  evidence, on the hand-computed fixtures, on empty inputs and on random inputs. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COST_FIXTURE,
  DAY_MS,
  GOVERNANCE_FIXTURE,
  NOW_MS,
  OPERATIONS_FIXTURE,
  RELIABILITY_FIXTURE,
  SECURITY_FIXTURE,
} from './scorers/fixtures.ts';
import {
  type CostInput,
  type GovernanceInput,
  type HealthIndexInput,
  healthIndex,
  type OperationsInput,
  type ReliabilityInput,
  rollUp,
  type SecurityInput,
  type SloWindows,
  scoreCost,
  scoreGovernance,
  scoreOperations,
  scoreReliability,
  scoreSecurity,
  type WindowName,
  weightedMean,
} from './scorers/index.ts';
import type { Score, Scorer } from './types.ts';

/** One scorer under the shared suite. */
interface ScorerCase<I> {
  name: string;
  score: Scorer<I>;
  /** Inputs with data, hand-computed fixtures first. */
  samples: I[];
  /** Inputs with no data at all: they must score null, never 0. */
  empty: I[];
  /** Random inputs of the right shape, for the bounds properties. */
  arbitrary: fc.Arbitrary<I>;
}

const OPTIONS = { nowMs: NOW_MS };
const RUNS = 200;

const share = fc.double({ min: 0, max: 1, noNaN: true });
const money = fc.double({ min: 0, max: 1000, noNaN: true });
const counts = fc
  .tuple(fc.nat({ max: 1_000_000 }), share)
  .map(([total, bad]) => ({ total, good: total - Math.round(total * bad) }));
const WINDOWS: WindowName[] = ['5m', '30m', '1h', '2h', '6h', '1d', '3d', 'slo'];

const sloWindows: fc.Arbitrary<SloWindows> = fc.record({
  slo: fc.record({
    name: fc.constantFrom('a', 'b', 'c'),
    service: fc.constant('svc'),
    target: fc.constantFrom(0.9, 0.99, 0.999, 0.9999),
    budgeting: fc.constantFrom('Occurrences' as const, 'Timeslices' as const),
    windowMs: fc.constant(30 * DAY_MS),
    indicator: fc.constantFrom('ratio' as const, 'threshold' as const),
  }),
  windows: fc.tuple(...WINDOWS.map(() => counts)).map((cs) => Object.fromEntries(WINDOWS.map((w, i) => [w, cs[i]]))),
});

const reliability: ScorerCase<ReliabilityInput> = {
  name: 'scoreReliability',
  score: scoreReliability,
  samples: [RELIABILITY_FIXTURE],
  empty: [
    { service: 'none', slos: [] },
    { service: 'none', slos: [{ slo: RELIABILITY_FIXTURE.slos[0]!.slo, windows: {} }] },
  ],
  arbitrary: fc.record({ service: fc.constant('svc'), slos: fc.array(sloWindows, { maxLength: 4 }) }),
};

const utilisation = fc.option(share, { nil: null });
const cost: ScorerCase<CostInput> = {
  name: 'scoreCost',
  score: scoreCost,
  samples: [COST_FIXTURE],
  empty: [
    {
      subject: 'none',
      fromMs: NOW_MS - DAY_MS,
      toMs: NOW_MS,
      resources: [],
      spendMonthToDate: 0,
      dailySpend: [],
      spendAnomalies: [],
    },
  ],
  arbitrary: fc.record({
    subject: fc.constant('svc'),
    fromMs: fc.constant(NOW_MS - 7 * DAY_MS),
    toMs: fc.constant(NOW_MS),
    resources: fc.array(
      fc.record({
        id: fc.string({ minLength: 1, maxLength: 4 }),
        type: fc.constant('vm'),
        provisionedVcpu: fc.option(fc.integer({ min: 1, max: 64 }), { nil: null }),
        provisionedMemoryGib: fc.constant(8),
        hourlyCost: fc.double({ min: 0, max: 10, noNaN: true }),
        cpuAvg: utilisation,
        memAvg: utilisation,
        cpuP95: utilisation,
        memP95: utilisation,
      }),
      { maxLength: 8 },
    ),
    spendMonthToDate: money,
    dailySpend: fc.array(
      fc.record({ dayMs: fc.integer({ min: 0, max: 29 }).map((d) => NOW_MS - d * DAY_MS), cost: money }),
      { maxLength: 30 },
    ),
    budgetMonthly: fc.option(money, { nil: undefined }),
    forecastMonthEnd: fc.option(fc.record({ yhat: money, lower: money, upper: money }), { nil: undefined }),
    spendAnomalies: fc.array(
      fc.record({ dayMs: fc.constant(NOW_MS - DAY_MS), cost: money, expected: money, score: share }),
      { maxLength: 3 },
    ),
  }),
};

const governance: ScorerCase<GovernanceInput> = {
  name: 'scoreGovernance',
  score: scoreGovernance,
  samples: [GOVERNANCE_FIXTURE],
  empty: [{ subject: 'none', resources: [], policyViolations: [] }],
  arbitrary: fc.record({
    subject: fc.constant('p'),
    resources: fc.array(
      fc.record({
        id: fc.constantFrom('r1', 'r2', 'r3', 'r4'),
        service: fc.constantFrom('', 'svc'),
        owner: fc.constantFrom('', 'team'),
        catalogued: fc.boolean(),
        tags: fc.dictionary(fc.constantFrom('team', 'service', 'env', 'other'), fc.constantFrom('', 'x')),
        hourlyCost: fc.double({ min: 0, max: 5, noNaN: true }),
      }),
      { maxLength: 8 },
    ),
    policyViolations: fc.array(
      fc.record({ rule: fc.constantFrom('a', 'b'), subject: fc.constantFrom('r1', 'r2', 'x', 'y', 'z') }),
      { maxLength: 10 },
    ),
  }),
};

const security: ScorerCase<SecurityInput> = {
  name: 'scoreSecurity',
  score: scoreSecurity,
  samples: [SECURITY_FIXTURE],
  empty: [
    {
      subject: 'none',
      fromMs: NOW_MS - DAY_MS,
      toMs: NOW_MS,
      totalNow: 0,
      rootEvents: 0,
      privilegedEvents: 0,
      privilegedWithoutMfa: 0,
      deniedNow: 0,
      deniedBaseline: null,
      newPrincipals: [],
    },
  ],
  arbitrary: fc
    .record({
      total: fc.nat({ max: 100_000 }),
      root: fc.nat({ max: 5 }),
      privileged: fc.nat({ max: 1000 }),
      noMfa: share,
      denied: share,
      baseline: fc.option(fc.double({ min: 0, max: 0.5, noNaN: true }), { nil: null }),
      newPrincipals: fc.nat({ max: 15 }),
      grants: fc.option(
        fc.array(
          fc.record({
            principal: fc.constant('p'),
            grantedCount: fc.nat({ max: 20 }),
            unusedActions: fc.array(fc.constant('s3:Get'), { maxLength: 25 }),
          }),
        ),
        { nil: undefined },
      ),
    })
    .map((r) => ({
      subject: 'acct',
      fromMs: NOW_MS - DAY_MS,
      toMs: NOW_MS,
      totalNow: r.total,
      rootEvents: r.root,
      privilegedEvents: r.privileged,
      privilegedWithoutMfa: Math.round(r.privileged * r.noMfa),
      deniedNow: Math.round(r.total * r.denied),
      deniedBaseline: r.baseline,
      newPrincipals: Array.from({ length: r.newPrincipals }, (_, i) => ({
        principal: `p${i}`,
        firstSeenMs: NOW_MS - i,
      })),
      ...(r.grants ? { grants: r.grants } : {}),
    })),
};

const incident = fc
  .tuple(
    fc.nat({ max: 10 * DAY_MS }),
    fc.option(fc.nat({ max: DAY_MS }), { nil: undefined }),
    fc.option(fc.nat({ max: 30 * DAY_MS }), { nil: undefined }),
  )
  .map(([start, detect, resolve]) => ({
    startMs: NOW_MS - 20 * DAY_MS + start,
    ...(detect === undefined ? {} : { detectedMs: NOW_MS - 20 * DAY_MS + start + detect }),
    ...(resolve === undefined ? {} : { resolvedMs: NOW_MS - 20 * DAY_MS + start + resolve }),
  }));
const operations: ScorerCase<OperationsInput> = {
  name: 'scoreOperations',
  score: scoreOperations,
  samples: [OPERATIONS_FIXTURE],
  empty: [
    { subject: 'none', fromMs: NOW_MS - DAY_MS, toMs: NOW_MS, corrections: null, incidents: null, changes: null },
    {
      subject: 'none',
      fromMs: NOW_MS - DAY_MS,
      toMs: NOW_MS,
      corrections: { automated: 0, manual: 0, rolledBack: 0 },
      incidents: [],
      changes: { deploys: 0, failed: 0 },
    },
  ],
  arbitrary: fc.record({
    subject: fc.constant('svc'),
    fromMs: fc.constant(NOW_MS - 30 * DAY_MS),
    toMs: fc.constant(NOW_MS),
    corrections: fc.option(
      fc
        .tuple(fc.nat({ max: 100 }), fc.nat({ max: 100 }), share)
        .map(([automated, manual, rb]) => ({ automated, manual, rolledBack: Math.round(automated * rb) })),
      { nil: null },
    ),
    incidents: fc.option(fc.array(incident, { maxLength: 6 }), { nil: null }),
    changes: fc.option(
      fc.tuple(fc.nat({ max: 200 }), share).map(([deploys, f]) => ({ deploys, failed: Math.round(deploys * f) })),
      { nil: null },
    ),
  }),
};

const childScore = (subject: string, value: number | null): Score => ({
  dimension: 'reliability',
  scope: 'service',
  subject,
  value,
  components: [],
  computedAtMs: NOW_MS,
});
const maybeScore = fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: null });

const health: ScorerCase<Omit<HealthIndexInput, 'computedAtMs'>> = {
  name: 'healthIndex',
  score: (input, o) => healthIndex({ ...input, computedAtMs: o.nowMs }),
  samples: [{ services: { a: { reliability: childScore('a', 80) } }, tiers: { a: 'tier-1' } }],
  empty: [
    { services: {}, tiers: {} },
    { services: { a: { reliability: childScore('a', null) } }, tiers: {} },
  ],
  arbitrary: fc.record({
    services: fc.dictionary(
      fc.constantFrom('a', 'b', 'c'),
      fc.record({ reliability: maybeScore.map((v) => childScore('x', v)) }),
    ),
    tiers: fc.dictionary(
      fc.constantFrom('a', 'b', 'c'),
      fc.constantFrom('tier-1' as const, 'tier-2' as const, 'tier-3' as const),
    ),
  }),
};

const rolled: ScorerCase<Score[]> = {
  name: 'rollUp',
  score: (scores, o) =>
    rollUp(scores, { dimension: 'reliability', scope: 'team', subject: 't', computedAtMs: o.nowMs }),
  samples: [[childScore('a', 80), childScore('b', 40)]],
  empty: [[], [childScore('a', null)]],
  arbitrary: fc.array(maybeScore, { maxLength: 6 }).map((vs) => vs.map((v, i) => childScore(`s${i}`, v))),
};

// Each case keeps its own input type; the suite only needs them one at a time.
const CASES = [reliability, cost, governance, security, operations, health, rolled] as ScorerCase<unknown>[];

function expectWellFormed(s: Score): void {
  if (s.value !== null) {
    expect(s.value).toBeGreaterThanOrEqual(0);
    expect(s.value).toBeLessThanOrEqual(100);
  }
  for (const c of s.components) {
    expect(c.weight, `${c.name} weight`).toBeGreaterThan(0);
    if (c.value === null) continue;
    expect(Number.isFinite(c.value), `${c.name} value ${c.value}`).toBe(true);
    expect(c.value, c.name).toBeGreaterThanOrEqual(0);
    expect(c.value, c.name).toBeLessThanOrEqual(100);
    expect(c.evidence.length, `${c.name} evidence`).toBeGreaterThan(0);
  }
  const mean = weightedMean(s.components);
  if (mean === null) expect(s.value).toBeNull();
  else expect(s.value).toBeCloseTo(mean, 9);
}

describe.each(CASES)('$name (shared scorer suite)', (c) => {
  it('keeps the score and every component within 0–100 or null', () => {
    for (const input of c.samples) expectWellFormed(c.score(input, OPTIONS));
  });

  it('stays within bounds, with positive weights and evidence, on random inputs', () => {
    fc.assert(
      fc.property(c.arbitrary, (input) => {
        expectWellFormed(c.score(input, OPTIONS));
      }),
      { numRuns: RUNS, seed: 42 },
    );
  });

  it('gives inputs without data a null score and null components, not zeros', () => {
    for (const input of c.empty) {
      const s = c.score(input, OPTIONS);
      expect(s.value).toBeNull();
      expect(s.components.every((x) => x.value === null)).toBe(true);
    }
  });

  it('is deterministic and leaves its input untouched', () => {
    for (const input of c.samples) {
      const before = structuredClone(input);
      const a = c.score(input, OPTIONS);
      const b = c.score(structuredClone(input), OPTIONS);
      expect(JSON.stringify(a)).toBe(JSON.stringify(b));
      expect(input).toEqual(before);
    }
  });

  it("stamps the score with the caller's clock", () => {
    for (const input of c.samples) expect(c.score(input, { nowMs: 1234 }).computedAtMs).toBe(1234);
  });

  it('names the table and filter behind every piece of evidence', () => {
    for (const input of c.samples) {
      for (const e of c.score(input, OPTIONS).components.flatMap((x) => x.evidence)) {
        expect(e.source.table).toMatch(/^[a-z_0-9]+$/);
        expect(typeof e.source.filter).toBe('object');
        expect(e.description.length).toBeGreaterThan(0);
      }
    }
  });
});
