import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import {
  type AccessEventInput,
  type CostRecordInput,
  type MetricPointInput,
  recordSchemas,
  telemetryKinds,
} from '../../schemas/index.ts';
import { createPlatform, type GenerateResult, type PlatformChangeInput } from './index.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const MONDAY = Date.UTC(2025, 0, 6);
/** Wednesday 10:30 UTC: mid-hour, so hourly records straddle the change. */
const AT = MONDAY + 2 * DAY + 10.5 * HOUR;
const CONFIG = { services: 6, teams: 3 };

const base = createPlatform(CONFIG);
const withChanges = (...changes: PlatformChangeInput[]) => {
  const p = createPlatform(CONFIG);
  p.loadChanges(changes);
  return p;
};
const concat = (parts: GenerateResult[]): GenerateResult => ({
  metrics: parts.flatMap((p) => p.metrics),
  cost: parts.flatMap((p) => p.cost),
  access: parts.flatMap((p) => p.access),
  resources: parts.flatMap((p) => p.resources),
});
const tsOf = (r: object) => ('ChargePeriodEnd' in r ? r.ChargePeriodEnd : (r as { ts: number }).ts) as number;
/** Records of every kind with ts in [fromMs, toMs). */
const within = (g: GenerateResult, fromMs: number, toMs = Number.POSITIVE_INFINITY) =>
  Object.fromEntries(
    telemetryKinds.map((k) => [k, (g[k] as object[]).filter((r) => tsOf(r) >= fromMs && tsOf(r) < toMs)]),
  );
const series = (points: MetricPointInput[], name: string, match: (p: MetricPointInput) => boolean) =>
  points.filter((p) => p.name === name && match(p));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const costOf = (rows: CostRecordInput[], id: string, startMs: number) =>
  rows.find((c) => c.ResourceId === id && c.ChargePeriodStart === startMs)?.BilledCost as number;
const role = (p: string) => p.replace(/^(arn:aws:sts::[0-9]+:assumed-role\/[^/]+)\/.*$/, '$1');

const idle = base.resources.find((r) => r.idle) as (typeof base.resources)[number];
const vm = base.resources.find((r) => r.catalogued && r.type === 'vm' && !r.idle) as (typeof base.resources)[number];
const bucket = base.resources.find((r) => r.type === 'bucket') as (typeof base.resources)[number];
const acct = base.accounts.production;

describe('platform changes', () => {
  describe('scale_up of a service', () => {
    const service = 'identity-worker';
    const nodes = base.resources.filter((r) => r.service === service && r.env === 'production' && r.type !== 'bucket');
    const staging = base.resources.find((r) => r.service === service && r.env === 'staging');
    const change = { key: 'scale-1', atMs: AT, kind: 'scale_up', service, params: { factor: 2 } } as const;
    const from = AT - 2 * HOUR;
    const to = AT + 3 * HOUR;
    const a = base.generate(from, to);
    const b = withChanges(change).generate(from, to);

    it('leaves everything before atMs unchanged', () => {
      expect(within(b, from, AT)).toEqual(within(a, from, AT));
    });

    it('halves saturation and lowers latency of the service from atMs on', () => {
      const later = (g: GenerateResult, name: string, q?: string) =>
        series(g.metrics, name, (p) => p.service === service && p.ts >= AT && p.labels?.quantile === q).map(
          (p) => p.value,
        );
      const satA = later(a, 'saturation');
      const satB = later(b, 'saturation');
      expect(satB.length).toBe(satA.length);
      expect(mean(satB) / mean(satA)).toBeCloseTo(0.5, 2);
      expect(mean(later(b, 'http_request_duration_seconds', '0.99'))).toBeLessThan(
        mean(later(a, 'http_request_duration_seconds', '0.99')),
      );
      expect(mean(later(b, 'http_request_duration_seconds', '0.5'))).toBeLessThan(
        mean(later(a, 'http_request_duration_seconds', '0.5')),
      );
      // Traffic is what it was: the same requests on more capacity.
      expect(later(b, 'http_requests_total')).toEqual(later(a, 'http_requests_total'));
    });

    it('halves the utilisation and doubles the cost and size of its production compute', () => {
      for (const r of nodes) {
        const cpu = (g: GenerateResult) =>
          mean(
            series(g.metrics, 'cpu_utilization', (p) => p.labels?.resource_id === r.id && p.ts >= AT).map(
              (p) => p.value,
            ),
          );
        expect(cpu(b) / cpu(a)).toBeCloseTo(0.5, 1);
        const hour = Math.floor(AT / HOUR) * HOUR;
        // Half of the straddled hour at twice the price, then whole hours at twice the price.
        expect(costOf(b.cost, r.id, hour)).toBeCloseTo(1.5 * costOf(a.cost, r.id, hour), 6);
        expect(costOf(b.cost, r.id, hour + HOUR)).toBeCloseTo(2 * costOf(a.cost, r.id, hour + HOUR), 6);
        const snap = b.resources.find((s) => s.resource_id === r.id && s.ts === hour + HOUR);
        expect(snap).toMatchObject({
          provisioned_vcpu: (r.provisionedVcpu as number) * 2,
          hourly_cost: r.hourlyCost * 2,
        });
      }
      const stagingCost = (g: GenerateResult) => g.cost.filter((c) => c.ResourceId === staging?.id);
      expect(stagingCost(b)).toEqual(stagingCost(a));
    });
  });

  describe('rightsize', () => {
    const change = { key: 'rs-1', atMs: AT, kind: 'rightsize', resource: vm.id } as const;
    const a = base.generate(AT - HOUR, AT + 3 * HOUR);
    const b = withChanges(change).generate(AT - HOUR, AT + 3 * HOUR);

    it('halves the cost and doubles the utilisation of the resource from atMs on', () => {
      expect(within(b, AT - HOUR, AT)).toEqual(within(a, AT - HOUR, AT));
      const next = Math.ceil(AT / HOUR) * HOUR;
      expect(costOf(b.cost, vm.id, next)).toBeCloseTo(costOf(a.cost, vm.id, next) / 2, 8);
      const cpu = (g: GenerateResult) =>
        mean(
          series(g.metrics, 'cpu_utilization', (p) => p.labels?.resource_id === vm.id && p.ts >= AT).map(
            (p) => p.value,
          ),
        );
      expect(cpu(b) / cpu(a)).toBeCloseTo(2, 1);
      const snap = b.resources.find((s) => s.resource_id === vm.id && s.ts === next + HOUR);
      expect(snap?.hourly_cost).toBeCloseTo(vm.hourlyCost / 2, 6);
      expect(snap?.provisioned_vcpu).toBe((vm.provisionedVcpu as number) / 2);
    });
  });

  describe('stop_idle', () => {
    const change = { key: 'stop-1', atMs: AT, kind: 'stop_idle', resource: idle.id } as const;
    const a = base.generate(AT - HOUR, AT + 3 * HOUR);
    const b = withChanges(change).generate(AT - HOUR, AT + 3 * HOUR);
    const hour = Math.floor(AT / HOUR) * HOUR;

    it('stops metrics, billing and running state of the resource from atMs on', () => {
      expect(within(b, AT - HOUR, AT)).toEqual(within(a, AT - HOUR, AT));
      const points = (g: GenerateResult) => g.metrics.filter((p) => p.labels?.resource_id === idle.id);
      expect(points(b).every((p) => p.ts < AT)).toBe(true);
      expect(points(b).length).toBeGreaterThan(0);
      expect(costOf(b.cost, idle.id, hour)).toBeCloseTo(costOf(a.cost, idle.id, hour) / 2, 8);
      const later = b.cost.filter((c) => c.ResourceId === idle.id && c.ChargePeriodStart > hour);
      expect(later.length).toBeGreaterThan(0);
      expect(later.every((c) => c.BilledCost === 0 && c.ConsumedQuantity === 0)).toBe(true);
      const snaps = b.resources.filter((s) => s.resource_id === idle.id && s.ts > AT);
      expect(snaps.every((s) => s.state === 'stopped' && s.hourly_cost === 0)).toBe(true);
      expect(snaps.at(-1)).toMatchObject({ cpu_utilization: 0, memory_utilization: 0 });
    });

    it('emits records that still pass their schemas', () => {
      for (const kind of telemetryKinds) for (const r of b[kind]) recordSchemas[kind].parse(r);
    });
  });

  describe('revoke_access', () => {
    const sprawl = base
      .groundTruth(MONDAY, MONDAY + 14 * DAY)
      .find((i) => i.kind === 'access_sprawl' && i.principal?.includes(':assumed-role/')) as {
      principal: string;
      startMs: number;
      endMs: number;
    };
    const principal = role(sprawl.principal);
    const at = sprawl.startMs + Math.floor((sprawl.endMs - sprawl.startMs) / 3);
    const from = sprawl.startMs - HOUR;
    const to = sprawl.endMs + HOUR;
    const mine = (g: GenerateResult) => g.access.filter((e) => role(e.principal) === principal);
    // An IAM role ARN names the same role as its sessions.
    const iamRole = principal.replace(':sts::', ':iam::').replace(':assumed-role/', ':role/');

    it('denies every later call of the principal, keeping the events', () => {
      const a = base.generate(from, to);
      const b = withChanges({ key: 'rv-1', atMs: at, kind: 'revoke_access', principal: iamRole }).generate(from, to);
      expect(within(b, from, at)).toEqual(within(a, from, at));
      expect(mine(b).map((e) => e.event_id)).toEqual(mine(a).map((e) => e.event_id));
      const later = mine(b).filter((e) => e.ts >= at);
      expect(later.length).toBeGreaterThan(5);
      expect(later.every((e) => e.result === 'denied' && e.error_code !== '')).toBe(true);
      const others = (g: GenerateResult) => g.access.filter((e) => role(e.principal) !== principal);
      expect(others(b)).toEqual(others(a));
    });

    it('denies only the matching actions when patterns are given', () => {
      const a = base.generate(from, to);
      const b = withChanges({
        key: 'rv-2',
        atMs: at,
        kind: 'revoke_access',
        principal,
        params: { actions: ['ssm:*'] },
      }).generate(from, to);
      const pairs = mine(b).map((e, i) => [e, mine(a)[i] as AccessEventInput] as const);
      for (const [eb, ea] of pairs) {
        const hit = eb.ts >= at && eb.action.startsWith('ssm:') && ea.result === 'success';
        expect(eb.result).toBe(hit ? 'denied' : ea.result);
      }
      expect(pairs.some(([eb, ea]) => eb.result !== ea.result)).toBe(true);
    });
  });

  describe('enforce_mfa', () => {
    const noMfa = base.groundTruth(MONDAY, MONDAY + 14 * DAY).find((i) => i.kind === 'privileged_without_mfa') as {
      principal: string;
      startMs: number;
      endMs: number;
    };
    const at = noMfa.startMs + Math.floor((noMfa.endMs - noMfa.startMs) / 3);

    it('makes the later privileged events of the principal carry MFA', () => {
      const from = noMfa.startMs;
      const to = noMfa.endMs;
      const a = base.generate(from, to);
      const b = withChanges({ key: 'mfa-1', atMs: at, kind: 'enforce_mfa', principal: noMfa.principal }).generate(
        from,
        to,
      );
      expect(within(b, from, at)).toEqual(within(a, from, at));
      const later = b.access.filter((e) => e.principal === noMfa.principal && e.ts >= at && e.privileged);
      expect(later.length).toBeGreaterThan(0);
      expect(later.every((e) => e.mfa === true && e.result === 'success')).toBe(true);
      expect(a.access.filter((e) => e.principal === noMfa.principal && e.ts >= at).every((e) => e.mfa === false)).toBe(
        true,
      );
    });
  });

  describe('rollback_change', () => {
    const spike = base
      .groundTruth(MONDAY, MONDAY + 14 * DAY)
      .find((i) => i.kind === 'error_spike' && i.endMs - i.startMs >= 30 * MIN) as {
      id: string;
      service: string;
      startMs: number;
      endMs: number;
    };
    const at = spike.startMs + 10 * MIN;
    const change = { key: 'rb-1', atMs: at, kind: 'rollback_change', service: spike.service } as const;
    const errors = (g: GenerateResult) =>
      series(g.metrics, 'http_request_errors_total', (p) => p.service === spike.service).map((p) => [p.ts, p.value]);
    const increments = (points: number[][]) =>
      points.slice(1).map(([ts, v], i) => [ts, (v as number) - ((points[i] as number[])[1] as number)]);

    it('ends the incident at atMs in the ground truth', () => {
      const p = withChanges(change);
      const inc = p.groundTruth(spike.startMs, spike.endMs).find((i) => i.id === spike.id);
      expect(inc).toMatchObject({ endMs: at, plannedEndMs: spike.endMs });
    });

    it('brings the error rate back to healthy from atMs on', () => {
      const from = spike.startMs - 10 * MIN;
      const to = spike.endMs + 10 * MIN;
      const a = base.generate(from, to);
      const b = withChanges(change).generate(from, to);
      const quiet = createPlatform({ ...CONFIG, incidentsPerServicePerWeek: 0 }).generate(from, to);
      expect(within(b, from, at)).toEqual(within(a, from, at));
      const late = (g: GenerateResult) => increments(errors(g)).filter(([ts]) => (ts as number) > at);
      // The same increments as a platform that never had the incident.
      expect(late(b)).toEqual(late(quiet));
      expect(mean(late(a).map(([, d]) => d as number))).toBeGreaterThan(mean(late(b).map(([, d]) => d as number)));
    });
  });

  describe('revert', () => {
    const scale = {
      key: 'scale-2',
      atMs: AT,
      kind: 'scale_up',
      service: 'identity-worker',
      params: { factor: 3 },
    } as const;
    const revert = { key: 'undo-2', atMs: AT + HOUR, kind: 'revert', reverts: 'scale-2' } as const;

    it('restores the telemetry of the unchanged platform from its own atMs on', () => {
      const from = AT - HOUR;
      const to = AT + 4 * HOUR;
      const a = base.generate(from, to);
      const b = withChanges(scale, revert).generate(from, to);
      expect(within(b, AT, AT + HOUR)).not.toEqual(within(a, AT, AT + HOUR));
      const metrics = (g: GenerateResult) => g.metrics.filter((p) => p.ts >= AT + HOUR);
      expect(metrics(b)).toEqual(metrics(a));
      // Hourly records cover a whole hour: the first hour wholly after the revert is clean.
      const clean = Math.ceil((AT + HOUR) / HOUR) * HOUR;
      expect(b.cost.filter((c) => c.ChargePeriodStart >= clean)).toEqual(
        a.cost.filter((c) => c.ChargePeriodStart >= clean),
      );
      expect(b.resources.filter((r) => r.ts > clean)).toEqual(a.resources.filter((r) => r.ts > clean));
    });
  });

  describe('generation with changes', () => {
    const changes: PlatformChangeInput[] = [
      { key: 'c1', atMs: AT, kind: 'scale_up', service: 'identity-worker', params: { factor: 2.5 } },
      { key: 'c2', atMs: AT + 20 * MIN, kind: 'rightsize', resource: vm.id, params: { factor: 0.25 } },
      { key: 'c3', atMs: AT - 45 * MIN, kind: 'stop_idle', resource: idle.id },
      { key: 'c4', atMs: AT + 7, kind: 'revoke_access', principal: `arn:aws:iam::${acct}:user/alice` },
      { key: 'c5', atMs: AT + 3, kind: 'enforce_mfa', principal: `arn:aws:iam::${acct}:user/bob` },
      { key: 'c6', atMs: AT + 1234, kind: 'rollback_change', service: 'payments-api' },
      { key: 'c7', atMs: AT + 95 * MIN, kind: 'revert', reverts: 'c1' },
    ];
    const a = AT - 2 * HOUR - 17_345;
    const c = a + 5 * HOUR;
    const whole = JSON.stringify(withChanges(...changes).generate(a, c));

    it('gives the same records for [a, c) as for [a, b) then [b, c), wherever b falls', () => {
      fc.assert(
        fc.property(fc.integer({ min: a, max: c }), (b) => {
          const p = withChanges(...changes);
          expect(JSON.stringify(concat([p.generate(a, b), p.generate(b, c)]))).toBe(whole);
        }),
        { numRuns: 4 },
      );
    });

    it('gives the same records whatever order the changes were applied in', () => {
      const p = withChanges(...[...changes].reverse().filter((x) => x.key !== 'c7'), changes[6] as PlatformChangeInput);
      expect(JSON.stringify(p.generate(a, c))).toBe(whole);
    });

    it('forgets counters cached before a change that alters them', () => {
      const spike = base.groundTruth(MONDAY, MONDAY + 14 * DAY).find((i) => i.kind === 'error_spike') as {
        service: string;
        startMs: number;
        endMs: number;
      };
      const rollback = {
        key: 'rb',
        atMs: spike.startMs + MIN,
        kind: 'rollback_change',
        service: spike.service,
      } as const;
      const range = [spike.endMs, spike.endMs + HOUR] as const;
      const p = createPlatform(CONFIG);
      p.generate(...range);
      p.applyChange(rollback);
      expect(JSON.stringify(p.generate(...range))).toBe(JSON.stringify(withChanges(rollback).generate(...range)));
    });
  });

  describe('applyChange and checkChange', () => {
    it('applies a change once: the same key and content again is a no-op', () => {
      const p = createPlatform(CONFIG);
      const change = { key: 'k', atMs: AT, kind: 'stop_idle', resource: idle.id } as const;
      expect(p.applyChange(change)).toBe(true);
      expect(p.applyChange(change)).toBe(false);
      expect(
        p.loadChanges([change, { key: 'k2', atMs: AT, kind: 'enforce_mfa', principal: `arn:aws:iam::${acct}:root` }]),
      ).toBe(1);
      expect(p.changes().map((c) => c.key)).toEqual(['k', 'k2']);
      expect(p.changes()[0]).toEqual({ ...change, params: {} });
      expect(() => p.applyChange({ ...change, atMs: AT + 1 })).toThrow('key k already names a different change');
    });

    it.each([
      [{ kind: 'scale_up', service: 'nope', params: { factor: 2 } }, 'service nope does not exist'],
      [{ kind: 'scale_up', service: 'payments-api', params: { factor: 1 } }, 'factor must be > 1 (got 1)'],
      [{ kind: 'scale_up', service: 'payments-api', params: { factor: 11 } }, 'factor must be <= 10 (got 11)'],
      [{ kind: 'scale_up', service: 'payments-api', resource: idle.id, params: { factor: 2 } }, 'belongs to'],
      [
        { kind: 'rightsize', resource: 'arn:aws:ec2:x', params: { factor: 0.5 } },
        'resource arn:aws:ec2:x does not exist',
      ],
      [{ kind: 'rightsize', resource: vm.id, params: { factor: 1 } }, 'factor must be < 1 (got 1)'],
      [{ kind: 'stop_idle', resource: bucket.id }, 'is a bucket'],
      [{ kind: 'revoke_access', principal: 'arn:aws:iam::1:user/mallory' }, 'is not known'],
      [{ kind: 'enforce_mfa', principal: 'alice@example.com' }, 'k8s identity'],
      [{ kind: 'revert', reverts: 'missing' }, 'change missing does not exist'],
      [{ kind: 'explode' }, 'kind'],
    ])('refuses %o', (partial, message) => {
      const check = base.checkChange({ key: 'x', atMs: AT, ...partial });
      expect(check.problems.join('\n')).toContain(message);
      expect(() => createPlatform(CONFIG).applyChange({ key: 'x', atMs: AT, ...partial } as never)).toThrow(InputError);
    });

    it('refuses to stop what is stopped, to revert twice, and to undo a rollback', () => {
      const p = withChanges(
        { key: 's', atMs: AT, kind: 'stop_idle', resource: idle.id },
        { key: 'r', atMs: AT, kind: 'rollback_change', service: 'payments-api' },
        { key: 'u', atMs: AT + HOUR, kind: 'revert', reverts: 's' },
      );
      expect(p.checkChange({ key: 's2', atMs: AT + 1, kind: 'stop_idle', resource: idle.id }).problems[0]).toContain(
        'already stopped',
      );
      // Once the stop is reverted the resource runs again and can be stopped again.
      expect(p.checkChange({ key: 's3', atMs: AT + 2 * HOUR, kind: 'stop_idle', resource: idle.id }).problems).toEqual(
        [],
      );
      expect(p.checkChange({ key: 'u2', atMs: AT + HOUR, kind: 'revert', reverts: 's' }).problems[0]).toContain(
        'already reverted',
      );
      expect(p.checkChange({ key: 'u3', atMs: AT + HOUR, kind: 'revert', reverts: 'r' }).problems[0]).toContain(
        'cannot be undone',
      );
    });
  });

  describe('preview', () => {
    it('gives the target before and after, changing nothing', () => {
      const p = createPlatform(CONFIG);
      const { before, after } = p.preview({ key: 'p', atMs: AT, kind: 'rightsize', resource: vm.id });
      expect(before).toMatchObject({
        kind: 'resource',
        state: 'running',
        capacityFactor: 1,
        hourlyCostUsd: vm.hourlyCost,
      });
      expect(after).toMatchObject({ capacityFactor: 0.5, hourlyCostUsd: vm.hourlyCost / 2 });
      expect(p.changes()).toEqual([]);
      const scale = p.preview({
        key: 'q',
        atMs: AT,
        kind: 'scale_up',
        service: 'identity-worker',
        params: { factor: 2 },
      });
      expect(scale.after).toMatchObject({ kind: 'service', capacityFactor: 2 });
      if (scale.after.kind === 'service' && scale.before.kind === 'service') {
        expect(scale.after.computeHourlyCostUsd).toBeCloseTo(2 * scale.before.computeHourlyCostUsd, 6);
      }
    });

    it('lists the incidents a rollback ends', () => {
      const spike = base.groundTruth(MONDAY, MONDAY + 14 * DAY).find((i) => i.kind === 'error_spike') as {
        id: string;
        service: string;
        startMs: number;
      };
      const { before, after } = base.preview({
        key: 'r',
        atMs: spike.startMs + MIN,
        kind: 'rollback_change',
        service: spike.service,
      });
      expect(before.kind === 'service' && before.activeIncidents.map((i) => i.id)).toContain(spike.id);
      expect(after).toMatchObject({ activeIncidents: [] });
    });
  });
});
