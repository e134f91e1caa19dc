import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import { createCapacityForecaster } from '../../scoring/service/forecast-pass.ts';
import { startTestWarehouse } from '../harness/index.ts';

const HOUR = 3_600_000;
const NOW = Math.floor(Date.now() / HOUR) * HOUR - 6 * HOUR;
const START = NOW - 96 * HOUR;
const LEAKY = 'arn:aws:ec2:eu-west-1:1:instance/i-leaky';
const STEADY = 'arn:aws:ec2:eu-west-1:1:instance/i-steady';

/** Memory every 10 minutes: the leaky resource climbs 0.4 points a hour from 0.5 (0.9 is reached
 *  100 h after START, 4 h after NOW); the steady one stays at 0.3. */
function memory(fromMs: number, toMs: number): object[] {
  const rows: object[] = [];
  for (let t = fromMs; t < toMs; t += 600_000) {
    const h = (t - START) / HOUR;
    // Relative to START, so the series is the same whenever the test runs.
    const wiggle = 0.002 * Math.sin((t - START) / 600_000);
    for (const [id, value] of [
      [LEAKY, 0.5 + 0.004 * h + wiggle],
      [STEADY, 0.3 + wiggle],
    ] as const) {
      rows.push({
        ts: t,
        service: 'checkout',
        name: 'memory_utilization',
        kind: 'gauge',
        value,
        labels: { resource_id: id },
        unit: '1',
        source: 'test',
        _seq: 1,
      });
    }
  }
  return rows;
}

describe('capacity forecaster', () => {
  let env: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  beforeAll(async () => {
    env = await startTestWarehouse();
    wh = env.warehouse;
    await wh.insert('metrics', toJsonEachRow(memory(START, NOW)));
  });
  afterAll(async () => env?.stop());

  it('forecasts the series at risk, predicts the crossing and recommends scaling up', async () => {
    const forecaster = createCapacityForecaster(wh);
    const r = await forecaster.step(NOW + 60_000);
    expect(r.forecast).toBe(1);
    expect(r.hitRate).toBeNull();
    const [f] = r.findings;
    expect(f).toMatchObject({ kind: 'saturation_forecast', subject: LEAKY, service: 'checkout' });
    // 0.9 is due 4 h after NOW: the finding says so within half an hour.
    const hours = f!.evidence[0]!.value as number;
    expect(hours).toBeGreaterThan(3.5);
    expect(hours).toBeLessThan(4.5);
    expect(f!.recommendations[0]).toMatchObject({ type: 'scale_up', subject: LEAKY });
    const rows = await wh.query<{ n: number; subjects: string[] }>(
      "SELECT count() AS n, groupUniqArray(subject) AS subjects FROM forecasts WHERE kind = 'capacity'",
    );
    expect(rows[0]).toEqual({ n: 24, subjects: [LEAKY] });
  });

  it('forecasts once an hour, and scores past forecasts against what happened', async () => {
    const forecaster = createCapacityForecaster(wh);
    await forecaster.step(NOW + 60_000);
    expect((await forecaster.step(NOW + 120_000)).forecast).toBe(0);
    await wh.insert('metrics', toJsonEachRow(memory(NOW, NOW + 3 * HOUR)));
    const later = await forecaster.step(NOW + 3 * HOUR);
    // Hours NOW and NOW+1h are past (NOW+2h is not yet a full hour ago): the ramp went on as forecast.
    expect(later.hitRate).toBeGreaterThanOrEqual(0.5);
  });
});
