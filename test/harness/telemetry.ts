import type { Bus } from '../../core/bus/index.ts';
import type { MetricPointInput } from '../../schemas/index.ts';

/** `n` distinct metric points in the last hour: enough variety to catch a lost or doubled row. */
export function makePoints(n: number, service = 'checkout', startMs = Date.now() - 3_600_000): MetricPointInput[] {
  return Array.from({ length: n }, (_, i) => ({
    ts: startMs + (i % 3600) * 1000,
    service,
    name: i % 2 === 0 ? 'http_requests_total' : 'cpu_utilization',
    kind: i % 2 === 0 ? 'counter' : 'gauge',
    value: i,
    labels: { pod: `pod-${i % 7}`, i: String(i) },
  }));
}

/** Order-independent fingerprint of rows: count and a sum of per-row hashes. */
export function fingerprint(
  rows: { service: string; name: string; value: number; ts: number; labels: Record<string, string> }[],
): string {
  let sum = 0n;
  for (const r of rows) {
    const key = `${r.service}|${r.name}|${r.value}|${r.ts}|${JSON.stringify(Object.entries(r.labels).sort())}`;
    let h = 1469598103934665603n;
    for (let i = 0; i < key.length; i++) h = ((h ^ BigInt(key.charCodeAt(i))) * 1099511628211n) & 0xffffffffffffffffn;
    sum = (sum + h) & 0xffffffffffffffffn;
  }
  return `${rows.length}:${sum.toString(16)}`;
}

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  stepMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** Whether the TELEMETRY consumer `durable` has nothing left to deliver nor awaiting its ack: its writer
 *  stored everything published so far. */
export async function writerDrained(bus: Bus, durable: string): Promise<boolean> {
  const p = await bus.consumerPending('TELEMETRY', durable);
  return p.pending === 0 && p.ackPending === 0;
}

/** Reads metric rows back in the shape `fingerprint` takes. */
export const METRIC_ROWS_SQL = 'SELECT service, name, value, toUnixTimestamp64Milli(ts) AS ts, labels FROM metrics';
