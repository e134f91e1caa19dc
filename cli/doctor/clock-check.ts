import type { Warehouse } from '../../core/warehouse/index.ts';
import { type CheckResult, formatMs, result } from './check.ts';

/** One comparison of the local clock with a server's. */
export interface ClockSample {
  /** Whose clock: `ClickHouse`, `NATS`. */
  source: string;
  /** Server clock minus local clock, in milliseconds (positive: the server is ahead). */
  skewMs: number;
  /** Half the round trip: how far off the estimate may be, in milliseconds. */
  uncertaintyMs: number;
}

/** Skew above which the check warns and fails, in milliseconds. Scores are bucketed by time and every
 *  audit record carries a timestamp: a clock off by seconds misplaces both. */
export const CLOCK_SKEW_THRESHOLDS_MS = { warn: 1000, fail: 30_000 } as const;

/** Judges the skews: warn past 1 s, fail past 30 s (less the measuring uncertainty, so a slow round trip
 *  alone never fails it). With no sample, `noSample` says why: `'embedded'` (NATS and ClickHouse run on
 *  this host's clock: nothing can drift) is ok, any other reason warns. */
export function judgeClockSkew(samples: readonly ClockSample[], noSample = 'no server answered'): CheckResult {
  if (samples.length === 0)
    return noSample === 'embedded'
      ? result('clock', 'ok', 'embedded mode: NATS and ClickHouse run on this host, on its clock')
      : result('clock', 'warn', `no server clock to compare with (${noSample})`);
  const describe = (s: ClockSample) =>
    `${s.source} ${s.skewMs >= 0 ? '+' : '-'}${formatMs(Math.abs(s.skewMs))} (±${formatMs(s.uncertaintyMs)})`;
  const detail = `local clock vs ${samples.map(describe).join(', ')}`;
  const worst = Math.max(...samples.map((s) => Math.max(0, Math.abs(s.skewMs) - s.uncertaintyMs)));
  const fix = 'synchronise the clocks with NTP (chrony / systemd-timesyncd) on this host and the servers';
  if (worst > CLOCK_SKEW_THRESHOLDS_MS.fail) return result('clock', 'fail', detail, fix);
  if (worst > CLOCK_SKEW_THRESHOLDS_MS.warn) return result('clock', 'warn', detail, fix);
  return result('clock', 'ok', detail);
}

/** Compares the local clock with ClickHouse's `now64()`, taking the middle of the round trip as the
 *  moment the server read its clock. */
export async function sampleClickHouseClock(warehouse: Warehouse, now: () => number = Date.now): Promise<ClockSample> {
  const sent = now();
  const [row] = await warehouse.query<{ server_ms: number }>('SELECT toUnixTimestamp64Milli(now64(3)) AS server_ms');
  const received = now();
  return {
    source: 'ClickHouse',
    skewMs: Number(row!.server_ms) - (sent + received) / 2,
    uncertaintyMs: (received - sent) / 2,
  };
}
