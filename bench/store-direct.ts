// Seeds the store for the scoring benchmarks without NATS: records go through the ingest writer's own
// validation and row encoding, then straight into the tables. The ingest benchmark measures
// the path through NATS; these measure what scoring does with what is stored.

import type { z } from 'zod';
import type { Warehouse } from '../core/warehouse/index.ts';
import type { Platform } from '../ingest/simulator/index.ts';
import { fastMetricRow, metricRow, TABLES } from '../ingest/writer/index.ts';
import { maxTimestampNow } from '../ingest/writer/metric-rows.ts';
import { type MetricPoint, recordSchemas, type TelemetryKind, type TelemetryRecordInput } from '../schemas/index.ts';

const CHUNK = 100_000;
let seq = 0;

/** Stores records of one kind as the ingest writer encodes them (the same row functions), in
 *  chunks; returns the rows stored. Invalid records fail the benchmark: the simulator makes none. */
export async function storeRecords<K extends TelemetryKind>(
  wh: Warehouse,
  kind: K,
  records: readonly TelemetryRecordInput<K>[],
): Promise<number> {
  let stored = 0;
  const source = JSON.stringify('bench');
  const maxTs = maxTimestampNow();
  const schema = recordSchemas[kind] as z.ZodType;
  for (let i = 0; i < records.length; i += CHUNK) {
    const rows: string[] = [];
    seq++;
    for (const record of records.slice(i, i + CHUNK)) {
      const fast = kind === 'metrics' ? fastMetricRow(record, source, seq, maxTs) : undefined;
      if (fast !== undefined) {
        rows.push(fast);
        continue;
      }
      const parsed = schema.parse(record);
      rows.push(
        kind === 'metrics'
          ? metricRow(parsed as MetricPoint, source, seq)
          : JSON.stringify({ ...(parsed as object), source: 'bench', _seq: seq }),
      );
    }
    const t = TABLES[kind];
    stored += (await wh.insert(t.table, Buffer.from(`${rows.join('\n')}\n`), t.insert)).rows;
  }
  return stored;
}

/** Stores the simulated platform's telemetry of [fromMs, toMs), day by day, for the kinds asked;
 *  `progress` hears about each day. */
export async function storeSimulated(
  wh: Warehouse,
  platform: Platform,
  fromMs: number,
  toMs: number,
  kinds: readonly TelemetryKind[],
  progress: (doneMs: number, rows: number) => void = () => {},
): Promise<number> {
  let rows = 0;
  const step = 86_400_000;
  for (let t = fromMs; t < toMs; t += step) {
    const g = platform.generate(t, Math.min(toMs, t + step), kinds);
    for (const kind of kinds) rows += await storeRecords(wh, kind, g[kind] as TelemetryRecordInput<typeof kind>[]);
    progress(Math.min(toMs, t + step) - fromMs, rows);
  }
  return rows;
}
