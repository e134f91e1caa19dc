import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { toJsonEachRow, type Warehouse } from '../../core/warehouse/index.ts';
import { DEFAULT_SIGNALS } from '../../scoring/detection/signals.ts';
import { createAnomalyWatcher } from '../../scoring/detection/watcher.ts';
import { startTestWarehouse, tempDir } from '../harness/index.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
const SPIKE = NOW - 20 * MIN;
const latency = DEFAULT_SIGNALS.filter((s) => s.id === 'latency_p99');

/** A deterministic wobble in [-1, 1]. */
const wobble = (i: number) => Math.sin(i * 12.9898) * 0.5 + Math.sin(i * 78.233) * 0.5;

/** Two days of p99 latency a minute for two services; `checkout` jumps tenfold for ten minutes. */
function latencyPoints(): object[] {
  const rows: object[] = [];
  for (let t = NOW - 2 * 24 * HOUR, i = 0; t < NOW; t += MIN, i++) {
    for (const service of ['checkout', 'search']) {
      const spiking = service === 'checkout' && t >= SPIKE && t < SPIKE + 10 * MIN;
      rows.push({
        ts: t,
        service,
        name: 'http_request_duration_seconds',
        kind: 'gauge',
        value: spiking ? 2.5 : 0.25 + 0.01 * wobble(i),
        labels: { quantile: '0.99' },
        unit: 's',
        source: 'test',
        _seq: 1,
      });
    }
  }
  return rows;
}

describe('anomaly watcher', () => {
  let env: Awaited<ReturnType<typeof startTestWarehouse>>;
  let wh: Warehouse;
  const dir = tempDir('aegis-watch-');
  beforeAll(async () => {
    env = await startTestWarehouse();
    wh = env.warehouse;
    await wh.insert('metrics', toJsonEachRow(latencyPoints()));
  });
  afterAll(async () => {
    await env?.stop();
    dir.remove();
  });
  const watcher = () =>
    createAnomalyWatcher({
      warehouse: wh,
      logger: silentLogger(),
      threshold: 0.9,
      signals: latency,
      statePath: `${dir.path}/watcher.json`,
    });

  it('flags the spike, stores the anomalous points and opens one anomaly insight for the service', async () => {
    const w = watcher();
    const first = await w.step(NOW - 30 * MIN);
    expect(first.points).toBeGreaterThan(4000);
    expect(first.findings).toEqual([]);
    const second = await w.step(NOW);
    // Only the 30 new minutes of each series were read.
    expect(second.points).toBe(60);
    expect(second.findings).toHaveLength(1);
    expect(second.findings[0]).toMatchObject({ kind: 'anomaly_cluster', subject: 'checkout', startedMs: SPIKE });
    const rows = await wh.query<{ service: string; first: number; version: string }>(
      'SELECT service, toUnixTimestamp64Milli(min(ts)) AS first, any(detector_version) AS version FROM anomalies GROUP BY service',
    );
    expect(rows).toEqual([{ service: 'checkout', first: SPIKE, version: expect.stringMatching(/^ensemble-/) }]);
    await w.save();
  });

  it('ends the episode after a quiet half hour, and continues from saved cursors after a restart', async () => {
    const w = watcher();
    const later = await w.step(NOW + 30 * MIN);
    // Nothing new was stored since NOW: the restored cursor skipped all history.
    expect(later.points).toBe(0);
    expect(later.findings).toEqual([]);
    expect(later.closed.map((e) => e.subject)).toEqual(['checkout']);
  });
});
