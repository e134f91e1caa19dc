// The audit log's two rates: appends through the real writer (validate, canonicalize, hash, sign, insert)
// and verification of a 1,000,000-record chain read back from the embedded ClickHouse engine. The million
// records are generated through the same append path (every record really signed), in the writer's largest
// batches, so generating them takes about a minute; only the verify pass is timed.

import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type AuditEntry,
  createAuditLog,
  createFileAuditWitness,
  generateAuditKey,
  MAX_APPEND_ENTRIES,
  trustedKeysOf,
  verifyAuditLog,
} from '../control/audit/index.ts';
import { silentLogger } from '../core/logger.ts';
import { migrate, openEmbeddedWarehouse } from '../core/warehouse/index.ts';
import { tempDir } from '../test/harness/index.ts';

/** CPU seconds of this process, every thread (the engine's too): the machine is shared, so wall time
 *  alone overstates the cost when other work competes for the two cores. */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Records in the verify benchmark. @default 1000000 */
const VERIFY_RECORDS = Number(process.env.AUDIT_BENCH_RECORDS ?? 1_000_000);

const entry = (i: number): AuditEntry => ({
  kind: i % 3 === 0 ? 'action.proposed' : i % 3 === 1 ? 'policy.decided' : 'execution.step',
  actor: `agent:remediator-${i % 7}`,
  subject: `act-${Math.floor(i / 3)}`,
  payload: {
    action: 'scale_out',
    target: { service: `svc-${i % 50}`, env: 'production' },
    params: { replicas: 3 + (i % 5) },
    matchedRules: ['prod-changes-need-window', 'cost-over-500-needs-finance'],
    policyHash: 'sha256:6f1c0d9e2b7a4c3f',
  },
});

/** Appends per second (64 concurrent single-entry appenders; 256 of them; sequential batches of 1, 50, 500), and seconds to verify VERIFY_RECORDS records. */
export async function benchAudit(): Promise<{
  audit_appends_per_s: number;
  verify_1m_s: number;
  verified_records: number;
  verify_1m_cpu_s: number;
  audit_appends_per_cpu_s: number;
  appends_per_s_by_batch: Record<string, number>;
  verify_all_signatures_us_per_record: number;
  generate_1m_s: number;
}> {
  const dir = tempDir('aegis-bench-audit-');
  const wh = await openEmbeddedWarehouse({ path: dir.path, database: 'aegis' });
  try {
    await migrate(wh);
    const key = generateAuditKey();
    const trusted = trustedKeysOf(key.publicKey);
    // With the head witness file, as the embedded controller runs it.
    const witness = createFileAuditWitness(join(dir.path, 'keys', 'audit-head.json'));
    const log = createAuditLog({ warehouse: wh, key, logger: silentLogger(), witness });
    const byBatch: Record<string, number> = {};
    let n = 0;
    // 1: a controller appending each step as it happens; 50 and 500: steps buffered for a few ms.
    for (const [batch, total] of [
      [1, 1_000],
      [50, 20_000],
      [500, 50_000],
    ] as const) {
      const t0 = performance.now();
      for (let i = 0; i < total; i += batch) await log.append(Array.from({ length: batch }, () => entry(n++)));
      byBatch[String(batch)] = Math.round(total / ((performance.now() - t0) / 1000));
    }
    // The headline: 64 actions in flight, each appending its steps one at a time as they happen; the
    // writer's group commit turns them into shared inserts.
    const CONCURRENT = 64;
    const PER_PRODUCER = 800;
    const c0 = performance.now();
    const cpuC0 = cpuSeconds();
    await Promise.all(
      Array.from({ length: CONCURRENT }, async () => {
        for (let i = 0; i < PER_PRODUCER; i++) await log.append([entry(n++)]);
      }),
    );
    const concurrentPerS = Math.round((CONCURRENT * PER_PRODUCER) / ((performance.now() - c0) / 1000));
    const concurrentPerCpuS = Math.round((CONCURRENT * PER_PRODUCER) / (cpuSeconds() - cpuC0));
    const w0 = performance.now();
    await Promise.all(
      Array.from({ length: 256 }, async () => {
        for (let i = 0; i < 200; i++) await log.append([entry(n++)]);
      }),
    );
    byBatch.concurrent_256 = Math.round((256 * 200) / ((performance.now() - w0) / 1000));
    const g0 = performance.now();
    const generated = n;
    while (n < VERIFY_RECORDS) {
      const size = Math.min(MAX_APPEND_ENTRIES, VERIFY_RECORDS - n);
      await log.append(Array.from({ length: size }, () => entry(n++)));
    }
    const generateS = (performance.now() - g0) / 1000;
    await log.stop();

    const v0 = performance.now();
    const cpuV0 = cpuSeconds();
    const result = await verifyAuditLog(wh, trusted, { expectedHead: (await witness.read())! });
    const verifyS = (performance.now() - v0) / 1000;
    const verifyCpuS = cpuSeconds() - cpuV0;
    if (!result.ok || result.records !== n || result.witnessedSeq !== n)
      throw new Error(`benchmark chain did not verify: ${JSON.stringify(result)}`);

    // Every signature, on a slice: what `--all-signatures` costs per record.
    await wh.command('CREATE TABLE audit_slice AS audit_log');
    await wh.command('INSERT INTO audit_slice SELECT * FROM audit_log WHERE seq <= 20000');
    const a0 = performance.now();
    const all = await verifyAuditLog(wh, trusted, { table: 'audit_slice', signatures: 'all' });
    const allUs = ((performance.now() - a0) * 1000) / 20_000;
    if (!all.ok) throw new Error('slice did not verify');
    return {
      audit_appends_per_s: concurrentPerS,
      verify_1m_s: Number(((verifyS * 1_000_000) / n).toFixed(2)),
      verified_records: n,
      verify_1m_cpu_s: Number(((verifyCpuS * 1_000_000) / n).toFixed(2)),
      audit_appends_per_cpu_s: concurrentPerCpuS,
      appends_per_s_by_batch: byBatch,
      verify_all_signatures_us_per_record: Number(allUs.toFixed(1)),
      generate_1m_s: Number(((generateS * 1_000_000) / Math.max(1, n - generated)).toFixed(1)),
    };
  } finally {
    await wh.close();
    dir.remove();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await benchAudit();
  console.log(JSON.stringify({ bench: 'control-audit', cores: cpus().length, ...result }));
}
