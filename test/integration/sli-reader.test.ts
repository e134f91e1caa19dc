import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import { readSliWindows, refreshHourlySli, type SliTarget } from '../../scoring/sli/reader.ts';
import { startTestWarehouse } from '../harness/index.ts';

const MIN = 60_000;
const HOUR = 3_600_000;
// Half past an hour, two hours back: recent enough for the raw TTL, and windows land on minutes.
const CURRENT_HOUR = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
const NOW = CURRENT_HOUR + 30 * MIN;
const FIRST = CURRENT_HOUR - 8 * HOUR;
const RESET = NOW - 3 * HOUR;
const INCIDENT = [NOW - 20 * MIN, NOW - 10 * MIN];
const inIncident = (t: number) => t >= INCIDENT[0]! && t < INCIDENT[1]!;

/** One point a minute from FIRST to NOW: 100 requests a minute, 1 error (20 during the incident),
 *  counters reset at RESET; p99 0.2 s (0.9 s during the incident) beside a p50 series that the
 *  latency SLO must ignore. */
function telemetry(): object[] {
  const rows: object[] = [];
  let requests = 0;
  let errors = 0;
  for (let t = FIRST; t < NOW; t += MIN) {
    if (t === RESET) [requests, errors] = [0, 0];
    requests += 100;
    errors += inIncident(t) ? 20 : 1;
    const base = { ts: t, service: 'checkout', unit: '', source: 'test', _seq: 1 };
    rows.push(
      { ...base, name: 'http_requests_total', kind: 'counter', value: requests, labels: {} },
      { ...base, name: 'http_request_errors_total', kind: 'counter', value: errors, labels: {} },
      { ...base, name: 'latency', kind: 'gauge', value: inIncident(t) ? 0.9 : 0.2, labels: { quantile: '0.99' } },
      { ...base, name: 'latency', kind: 'gauge', value: 5, labels: { quantile: '0.5' } },
    );
  }
  return rows;
}

const availability: SliTarget = {
  slo: 'checkout-availability',
  service: 'checkout',
  windowStartMs: NOW - 7 * HOUR,
  sli: {
    kind: 'ratio',
    bad: { name: 'http_request_errors_total', labels: {} },
    total: { name: 'http_requests_total', labels: {} },
    budgeting: 'Occurrences',
    sliceMinutes: 1,
    sliceTarget: 1,
  },
};
const latency: SliTarget = {
  slo: 'checkout-latency',
  service: 'checkout',
  windowStartMs: NOW - 7 * HOUR,
  sli: {
    kind: 'threshold',
    metric: { name: 'latency', labels: { quantile: '0.99' } },
    op: 'lte',
    value: 0.5,
    budgeting: 'Timeslices',
    sliceMinutes: 1,
    sliceTarget: 1,
  },
};

describe('SLI reader', () => {
  let env: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  beforeAll(async () => {
    env = await startTestWarehouse();
    wh = env.warehouse;
    await wh.insert('metrics', toJsonEachRow(telemetry()));
  });
  afterAll(async () => env?.stop());

  it('counts requests and errors per window from counters, across a reset', async () => {
    await refreshHourlySli(wh, [availability, latency], { nowMs: NOW });
    const w = (await readSliWindows(wh, [availability], { nowMs: NOW })).get('checkout-availability')!;
    // 5m: minutes :25–:29, 100 requests and 1 error each.
    expect(w['5m']).toEqual({ total: 500, good: 495 });
    // 30m: 30 minutes; 20 of them with 1 error, 10 (the incident) with 20.
    expect(w['30m']).toEqual({ total: 3000, good: 3000 - (20 + 200) });
    // 6h: 360 minutes, the reset 3h back included (its minute counts 100 from zero).
    expect(w['6h']).toEqual({ total: 36_000, good: 36_000 - (350 + 200) });
    // 1d: every minute after the first (which has no value before it): 479 closed + 30 current.
    expect(w['1d']).toEqual({ total: 509 * 100, good: 509 * 100 - (499 + 200) });
    // slo window (7h rolling, aligned to its whole start hour): 7 closed hours + 30 minutes.
    expect(w.slo).toEqual({ total: 450 * 100, good: 450 * 100 - (440 + 200) });
  });

  it('counts good time slices of a threshold indicator, ignoring series the labels exclude', async () => {
    const w = (await readSliWindows(wh, [latency], { nowMs: NOW })).get('checkout-latency')!;
    expect(w['5m']).toEqual({ total: 5, good: 5 });
    expect(w['30m']).toEqual({ total: 30, good: 20 });
    expect(w['1h']).toEqual({ total: 60, good: 50 });
    expect(w['1d']).toEqual({ total: 510, good: 500 });
    expect(w.slo).toEqual({ total: 450, good: 440 });
  });

  it('recomputes recent hours without counting them twice', async () => {
    await refreshHourlySli(wh, [availability, latency], { nowMs: NOW });
    await refreshHourlySli(wh, [availability, latency], { nowMs: NOW + 5 * MIN });
    const w = (await readSliWindows(wh, [latency], { nowMs: NOW })).get('checkout-latency')!;
    expect(w['1d']).toEqual({ total: 510, good: 500 });
  });

  it('recomputes recent hours once the next hour closes, so late data is counted', async () => {
    // A late point lands in the last closed hour after it was computed: a minute whose p99 breaks the bound.
    const late = CURRENT_HOUR - 30 * MIN + 30_000;
    await wh.insert(
      'metrics',
      toJsonEachRow([
        {
          ts: late,
          service: 'checkout',
          name: 'latency',
          kind: 'gauge',
          value: 3,
          labels: { quantile: '0.99' },
          unit: 's',
          source: 'test',
          _seq: 2,
        },
      ]),
    );
    await refreshHourlySli(wh, [latency], { nowMs: NOW + 10 * MIN });
    const before = (await readSliWindows(wh, [latency], { nowMs: NOW })).get('checkout-latency')!;
    expect(before['1d']).toEqual({ total: 510, good: 500 });
    await refreshHourlySli(wh, [latency], { nowMs: NOW + HOUR });
    const after = (await readSliWindows(wh, [latency], { nowMs: NOW })).get('checkout-latency')!;
    expect(after['1d']).toEqual({ total: 510, good: 499 });
  });

  it('gives zero counts to an SLO whose service sent nothing', async () => {
    const silent = { ...availability, slo: 'quiet-availability', service: 'quiet' };
    await refreshHourlySli(wh, [silent], { nowMs: NOW });
    const w = (await readSliWindows(wh, [silent], { nowMs: NOW })).get('quiet-availability')!;
    expect(w['1h']).toEqual({ total: 0, good: 0 });
    expect(w.slo).toEqual({ total: 0, good: 0 });
  });
});
