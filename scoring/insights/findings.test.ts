import { describe, expect, it } from 'vitest';
import type { AccessSummary } from '../inputs/access.ts';
import type { InventoryResource } from '../inputs/inventory.ts';
import { burnRateAlerts } from '../scorers/index.ts';
import { accessFindings } from './access-findings.ts';
import { resourceFindings } from './resource-findings.ts';
import { burnHolds, type SloBurnState, sloFindings } from './slo-findings.ts';

const resource = (o: Partial<InventoryResource>): InventoryResource => ({
  id: 'arn:aws:ec2:eu-west-1:1:instance/i-1',
  type: 'vm',
  service: 'api',
  owner: 'team-a',
  env: 'production',
  state: 'running',
  tags: { team: 'team-a', service: 'api', env: 'production' },
  provisionedVcpu: 2,
  provisionedMemoryGib: 8,
  hourlyCost: 0.1,
  cpuAvg: 0.5,
  memAvg: 0.5,
  cpuP95: 0.7,
  memP95: 0.7,
  samples: 168,
  ...o,
});
const placed = () => ({ service: 'api', team: 'team-a' });
const window = { fromMs: 0, toMs: 7 * 86_400_000 };

describe('resourceFindings', () => {
  it('finds an idle resource and recommends stopping it for its whole monthly cost', () => {
    const [f] = resourceFindings([resource({ cpuAvg: 0.01, memAvg: 0.02 })], placed, window);
    expect(f).toMatchObject({ kind: 'idle_resource', severity: 'warning', service: 'api', team: 'team-a' });
    // $0.10 an hour × 730 hours.
    expect(f!.recommendations[0]).toMatchObject({ type: 'stop_idle', impactUsdMonth: 73, finops: true });
  });

  it('finds an oversized resource and values rightsizing at half its cost', () => {
    const [f] = resourceFindings([resource({ cpuP95: 0.2, memP95: 0.3 })], placed, window);
    expect(f).toMatchObject({ kind: 'oversized_resource' });
    expect(f!.recommendations[0]).toMatchObject({ type: 'rightsize', impactUsdMonth: 36.5 });
  });

  it('does not judge utilisation on less than a day of snapshots', () => {
    expect(resourceFindings([resource({ cpuAvg: 0.01, memAvg: 0.01, samples: 5 })], placed, window)).toEqual([]);
  });

  it('finds shadow and untagged resources', () => {
    const shadow = resourceFindings([resource({ service: '', owner: '' })], () => undefined, window);
    expect(shadow.map((f) => f.kind)).toEqual(['shadow_resource']);
    const untagged = resourceFindings([resource({ tags: { team: 'team-a' } })], placed, window);
    expect(untagged[0]).toMatchObject({ kind: 'untagged_resource', title: expect.stringContaining('service, env') });
  });

  it('finds nothing on a healthy, catalogued, tagged resource', () => {
    expect(resourceFindings([resource({})], placed, window)).toEqual([]);
  });
});

describe('sloFindings', () => {
  const state = (badShare: number): SloBurnState => {
    const w = { good: Math.round(10_000 * (1 - badShare)), total: 10_000 };
    const windows = { '5m': w, '30m': w, '1h': w, '2h': w, '6h': w, '1d': w, '3d': w };
    return {
      slo: 'api-availability',
      service: 'api',
      team: 'team-a',
      target: 0.999,
      alerts: burnRateAlerts(windows, 0.999),
      budgetRemaining: 0.4,
      fromMs: 0,
      toMs: 10_000_000,
    };
  };

  it('raises a critical insight and holds FinOps work when a page rule fires', () => {
    // 2 % bad against a 0.1 % budget: a 20× burn, above 14.4.
    const s = state(0.02);
    const [f] = sloFindings([s]);
    expect(f).toMatchObject({ kind: 'slo_burn', severity: 'critical', subject: 'api-availability' });
    expect(burnHolds([s]).get('api')).toContain('1h/5m');
  });

  it('raises a warning for a slow burn and holds nothing', () => {
    // 0.4 % bad: a 4× burn fires 1d/2h (3×) and 3d/6h (1×) only.
    const s = state(0.004);
    expect(sloFindings([s])[0]).toMatchObject({ severity: 'warning' });
    expect(burnHolds([s]).size).toBe(0);
  });

  it('recommends rolling back a change made shortly before the burn', () => {
    const change = { service: 'api', atMs: 10_000_000 - 1_800_000, principal: 'deployer', action: 'ecr:PutImage' };
    const [f] = sloFindings([state(0.02)], [change]);
    expect(f!.recommendations[0]).toMatchObject({ type: 'rollback_change', subject: 'api' });
    expect(f!.recommendations[0]!.rationale).toContain('30 min before');
  });

  it('is silent while nothing fires', () => {
    expect(sloFindings([state(0.0005)])).toEqual([]);
  });
});

describe('accessFindings', () => {
  const summary = (o: Partial<AccessSummary>): AccessSummary => ({
    recentFromMs: 0,
    toMs: 1,
    baselineFromMs: -1,
    events: 1000,
    denied: 5,
    privileged: 10,
    privilegedWithoutMfa: 0,
    root: 0,
    baselineEvents: 10_000,
    baselineDenied: 50,
    rootPrincipals: [],
    noMfaPrincipals: [],
    newPrincipals: [],
    historyCoversBaseline: true,
    ...o,
  });

  it('raises one critical insight per root principal with an MFA recommendation', () => {
    const found = accessFindings(summary({ root: 3, rootPrincipals: [{ principal: 'root', events: 3 }] }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'risky_access', subject: 'root', severity: 'critical' });
    expect(found[0]!.recommendations[0]!.type).toBe('enforce_mfa');
  });

  it('merges what one principal did into one insight', () => {
    const found = accessFindings(
      summary({
        noMfaPrincipals: [{ principal: 'bob', events: 4 }],
        newPrincipals: [{ principal: 'bob', firstSeenMs: 0, events: 9 }],
      }),
    );
    expect(found).toHaveLength(1);
    expect(found[0]!.evidence.map((e) => e.kind)).toEqual(['privileged-without-mfa', 'new-principal']);
  });

  it('calls a denial spike only above the factor and the minimum count', () => {
    // Baseline 0.5 %; now 6 % is 12× the baseline.
    expect(accessFindings(summary({ denied: 60 })).map((f) => f.subject)).toEqual(['denials']);
    expect(accessFindings(summary({ denied: 10 }))).toEqual([]);
  });
});
