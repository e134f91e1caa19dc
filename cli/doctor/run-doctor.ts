import type { AegisConfig } from '../../core/config/index.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { type CheckResult, DEFAULT_CHECK_TIMEOUT_MS, guarded, result, withTimeout } from './check.ts';
import { checkClickHouse } from './clickhouse-check.ts';
import { type ClockSample, judgeClockSkew, sampleClickHouseClock } from './clock-check.ts';
import { checkConfig } from './config-check.ts';
import { checkDisk } from './disk-check.ts';
import { checkAdminKeyFile, checkAuditHead, checkAuditKey, witnessSourceOf } from './keys-check.ts';
import { checkMigrations } from './migrations-check.ts';
import { checkNats } from './nats-check.ts';
import { checkPolicies } from './policies-check.ts';

/** Parameters of {@link runDoctor}. */
export interface RunDoctorParams {
  /** Loads the configuration; a `ConfigError` it throws becomes the failed `config` check. */
  loadConfig: () => AegisConfig;
  /** Where the configuration comes from, for the report. */
  configSource: string;
  /** An open warehouse to check instead of opening the configured one (tests: one engine per process). */
  warehouse?: Warehouse;
  /** Migration files to compare with. @default schemas/clickhouse */
  migrationsDir?: string;
  /** Timeout of each network check, in milliseconds. @default 3000 */
  timeoutMs?: number;
  /** Local clock, epoch milliseconds. @default Date.now */
  now?: () => number;
}

/** Runs every check in order and returns one result each. Never throws for a check's sake, and every
 *  network step has a timeout, so the report always comes back. A bad configuration ends the report
 *  after the `config` line: the other checks would only guess at what was meant. */
export async function runDoctor(params: RunDoctorParams): Promise<CheckResult[]> {
  const timeoutMs = params.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const now = params.now ?? Date.now;
  const loaded = checkConfig(params.loadConfig, params.configSource);
  const results: CheckResult[] = [loaded.result];
  const config = loaded.config;
  if (!config) return results;

  const nats = await checkNats(config, timeoutMs).catch((err) => ({
    result: result('nats', 'fail', String(err)),
    probe: undefined,
    noProbe: String(err),
  }));
  results.push(nats.result);

  const ch = await checkClickHouse(config, timeoutMs, params.warehouse);
  try {
    results.push(ch.result);
    const { warehouse, skipReason } = ch;
    const skipped = (name: string) =>
      result(
        name,
        'warn',
        `skipped: ${skipReason}`,
        ch.skipFix ?? 'fix the clickhouse check above, then run aegis doctor again',
      );

    results.push(
      warehouse
        ? await guarded('migrations', () =>
            withTimeout('reading schema_migrations', timeoutMs, () => checkMigrations(warehouse, params.migrationsDir)),
          )
        : skipped('migrations'),
    );

    results.push(
      await guarded('clock', async () => {
        const samples: ClockSample[] = [];
        if (warehouse)
          samples.push(await withTimeout('ClickHouse now64()', timeoutMs, () => sampleClickHouseClock(warehouse, now)));
        const p = nats.probe;
        if (p?.serverTimeMs !== undefined && p.localTimeMs !== undefined)
          samples.push({
            source: 'NATS',
            skewMs: p.serverTimeMs - (p.localTimeMs - (p.roundTripMs ?? 0) / 2),
            uncertaintyMs: (p.roundTripMs ?? 0) / 2,
          });
        const embedded = !config.nats.url && !config.clickhouse.url;
        return judgeClockSkew(samples, embedded ? 'embedded' : (skipReason ?? 'ClickHouse did not answer'));
      }),
    );

    results.push(await guarded('disk', () => checkDisk(config.dataDir)));
    results.push(await guarded('audit key', async () => checkAuditKey(config)));
    results.push(
      await guarded('audit head', () =>
        withTimeout('reading the audit head', timeoutMs, () =>
          checkAuditHead({
            witness: witnessSourceOf(config, nats.probe?.kvValue),
            warehouse,
            ...(skipReason ? { skipReason } : {}),
          }),
        ),
      ),
    );
    results.push(await guarded('admin key', async () => checkAdminKeyFile(config)));
    results.push(await guarded('policies', async () => checkPolicies(config)));
  } finally {
    await ch.close().catch(() => undefined);
  }
  return results;
}
