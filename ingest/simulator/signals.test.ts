import { describe, expect, it } from 'vitest';
import type { MetricPointInput } from '../../schemas/index.ts';
import { ADMIN_POLICY_ARN, createPlatform, type Incident, riskyAccessKinds } from './index.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MONDAY = Date.UTC(2025, 0, 6);
const platform = createPlatform();
const week = platform.groundTruth(MONDAY, MONDAY + 7 * DAY);

const series = (points: MetricPointInput[], service: string, name: string, quantile?: string) =>
  points.filter(
    (p) => p.service === service && p.name === name && (quantile === undefined || p.labels?.quantile === quantile),
  );
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Per-minute increases of a counter series (resets excluded). */
const increases = (points: MetricPointInput[]) =>
  points
    .slice(1)
    .map((p, i) => p.value - (points[i] as MetricPointInput).value)
    .filter((d) => d >= 0);
/** True when any incident of the service (other than `except`) overlaps [from, to). */
const busy = (service: string, from: number, to: number, except?: Incident) =>
  week.some((i) => i !== except && i.service === service && !i.principal && i.startMs < to && i.endMs > from);

describe('simulated signals', () => {
  it('keeps counters monotone, resetting only at the nightly restart', () => {
    const counters = new Map<string, MetricPointInput[]>();
    for (const p of platform.generate(MONDAY, MONDAY + DAY).metrics) {
      if (p.kind !== 'counter') continue;
      const key = `${p.service}/${p.name}`;
      const list = counters.get(key) ?? [];
      list.push(p);
      counters.set(key, list);
    }
    for (const s of platform.services) {
      for (const name of ['http_requests_total', 'http_request_errors_total']) {
        const points = counters.get(`${s.name}/${name}`) ?? [];
        expect(points).toHaveLength(1440);
        for (let i = 1; i < points.length; i++) {
          const p = points[i] as MetricPointInput;
          if (p.value < (points[i - 1] as MetricPointInput).value) {
            expect(p.ts % DAY).toBe(s.profile.restartOffsetMs);
          }
        }
      }
      const req = counters.get(`${s.name}/http_requests_total`) ?? [];
      const err = counters.get(`${s.name}/http_request_errors_total`) ?? [];
      expect(err.every((e, i) => e.value <= (req[i] as MetricPointInput).value)).toBe(true);
    }
  });

  it('peaks at mid-day UTC and troughs at night, and is quieter at weekends', () => {
    const tuesday = MONDAY + DAY;
    const s = platform.services[0]?.name as string;
    const rate = (from: number) =>
      mean(increases(series(platform.generate(from, from + HOUR).metrics, s, 'http_requests_total')));
    const noon = rate(tuesday + 12.5 * HOUR);
    const night = rate(tuesday + 0.5 * HOUR);
    expect(noon).toBeGreaterThan(1.8 * night);
    expect(rate(MONDAY + 5 * DAY + 12.5 * HOUR)).toBeLessThan(0.75 * noon);
  });

  it('shows a higher p99 inside an injected latency spike than around it', () => {
    const spike = week.find(
      (i) => i.kind === 'latency_spike' && !busy(i.service as string, i.startMs - 2 * HOUR, i.endMs + 2 * HOUR, i),
    );
    expect(spike).toBeDefined();
    const { service, startMs, endMs, magnitude } = spike as Incident;
    const points = series(
      platform.generate(startMs - 2 * HOUR, endMs + 2 * HOUR).metrics,
      service as string,
      'http_request_duration_seconds',
      '0.99',
    );
    const inside = mean(points.filter((p) => p.ts >= startMs && p.ts < endMs).map((p) => p.value));
    const outside = mean(points.filter((p) => p.ts < startMs || p.ts >= endMs).map((p) => p.value));
    expect(inside).toBeGreaterThan(outside * Math.min(2, magnitude * 0.6));
  });

  it('raises the error rate inside an injected error spike', () => {
    const spike = week.find(
      (i) => i.kind === 'error_spike' && !busy(i.service as string, i.startMs - HOUR, i.endMs + HOUR, i),
    );
    const { service, startMs, endMs } = spike as Incident;
    const out = platform.generate(startMs - HOUR, endMs + HOUR).metrics;
    const ratio = (from: number, to: number) => {
      const inRange = (p: MetricPointInput) => p.ts >= from && p.ts < to;
      const errs = increases(series(out, service as string, 'http_request_errors_total').filter(inRange));
      const reqs = increases(series(out, service as string, 'http_requests_total').filter(inRange));
      return errs.reduce((a, b) => a + b, 0) / reqs.reduce((a, b) => a + b, 0);
    };
    expect(ratio(startMs, endMs)).toBeGreaterThan(ratio(startMs - HOUR, startMs) + 0.03);
  });

  it('creeps memory up during a slow leak and drops it after the restart', () => {
    const leak = week.find((i) => i.kind === 'slow_leak' && i.endMs < MONDAY + 7 * DAY) as Incident;
    const memory = (t: number) =>
      platform
        .generate(t, t + MIN)
        .metrics.find((p) => p.name === 'memory_utilization' && p.labels?.resource_id === leak.resource)
        ?.value as number;
    const early = memory(leak.startMs + 10 * MIN);
    const late = memory(leak.endMs - 10 * MIN);
    expect(late).toBeGreaterThan(early + 0.1);
    expect(late).toBeGreaterThan(0.85);
    expect(memory(leak.endMs + 10 * MIN)).toBeLessThan(late - 0.1);
  });

  it('keeps idle resources under 5 % utilisation in inventory and metrics', () => {
    const out = platform.generate(MONDAY + 10 * HOUR, MONDAY + 12 * HOUR);
    const idle = new Set(platform.resources.filter((r) => r.idle).map((r) => r.id));
    const snapshots = out.resources.filter((r) => idle.has(r.resource_id));
    expect(snapshots).toHaveLength(2 * idle.size);
    for (const r of snapshots) {
      expect(r.cpu_utilization).toBeLessThan(0.05);
      expect(r.memory_utilization).toBeLessThan(0.05);
    }
    const points = out.metrics.filter((p) => idle.has(p.labels?.resource_id ?? ''));
    expect(points.length).toBeGreaterThan(0);
    expect(points.every((p) => p.value < 0.05)).toBe(true);
  });

  it('raises billed cost along a cost drift window', () => {
    const drift = week.find((i) => i.kind === 'cost_drift') as Incident;
    const cost = (t: number) =>
      platform.generate(t, t + HOUR).cost.find((c) => c.ResourceId === drift.resource)?.BilledCost as number;
    const before = cost(drift.startMs);
    const late = cost(drift.endMs - HOUR);
    expect(late).toBeGreaterThan(before * (1 + drift.magnitude * 0.7));
  });

  it('leaves tags off the cost rows of untagged resources and puts team/service/env on the others', () => {
    const out = platform.generate(MONDAY, MONDAY + HOUR);
    for (const r of platform.resources) {
      const row = out.cost.find((c) => c.ResourceId === r.id);
      const snapshot = out.resources.find((s) => s.resource_id === r.id);
      if (r.catalogued && !r.tagged) expect(row?.Tags).toEqual({});
      if (r.tagged) expect(row?.Tags).toEqual({ team: r.owner, service: r.service, env: r.env });
      if (!r.catalogued) expect([snapshot?.service, snapshot?.owner, row?.Tags?.team]).toEqual(['', '', undefined]);
      expect(['Compute', 'Databases', 'Storage']).toContain(row?.ServiceCategory);
      expect(row?.BilledCost).toBe(row?.EffectiveCost);
    }
  });

  it('puts every kind of risky access in the ground truth and its events in the access output', () => {
    const month = platform.groundTruth(MONDAY, MONDAY + 28 * DAY);
    for (const kind of riskyAccessKinds) {
      const inc = month.find((i) => i.kind === kind) as Incident;
      expect(inc, kind).toBeDefined();
      // A workload role keeps doing its everyday work during a sprawl; the incident's own events
      // come from outside addresses (198.51.100.0/24).
      const events = platform
        .generate(inc.startMs, inc.endMs)
        .access.filter((e) => e.principal === inc.principal && e.source_ip?.startsWith('198.51.100.'));
      expect(events).toHaveLength(inc.magnitude);
      if (kind === 'root_use') expect(events.every((e) => e.root && e.principal_type === 'Root')).toBe(true);
      if (kind === 'privileged_without_mfa') expect(events.every((e) => e.privileged && e.mfa === false)).toBe(true);
      if (kind === 'privilege_escalation') {
        expect(events[0]).toMatchObject({
          action: 'iam:AttachUserPolicy',
          resource: ADMIN_POLICY_ARN,
          privileged: true,
        });
      }
      if (kind === 'access_sprawl') expect(new Set(events.map((e) => e.resource)).size).toBe(inc.magnitude);
    }
  });

  it('keeps everyday access free of root use and of privileged actions without MFA', () => {
    const quiet = platform.generate(MONDAY, MONDAY + DAY);
    const risky = platform.groundTruth(MONDAY, MONDAY + DAY).filter((i) => i.principal);
    const everyday = quiet.access.filter(
      (e) => !risky.some((i) => i.principal === e.principal && e.ts >= i.startMs && e.ts < i.endMs),
    );
    expect(everyday.length).toBeGreaterThan(300);
    expect(everyday.some((e) => e.root)).toBe(false);
    expect(everyday.some((e) => e.privileged && e.mfa === false)).toBe(false);
    expect(everyday.some((e) => e.action === 'k8s:patch deployments' || e.action === 'ssm:SendCommand')).toBe(true);
    expect(everyday.some((e) => e.result === 'denied')).toBe(true);
  });
});
