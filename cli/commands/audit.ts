import { once } from 'node:events';
import {
  AUDIT_HEAD_BUCKET,
  type AuditHead,
  type AuditWitness,
  createFileAuditWitness,
  createKvAuditWitness,
  readAuditPages,
  readTrustedKeys,
  trustFileOf,
  verifyAuditLog,
  witnessFileOf,
} from '../../control/audit/index.ts';
import { ConfigError, UsageError } from '../../core/errors.ts';
import { openRuntime } from '../../core/runtime.ts';
import { openWarehouse, type Warehouse } from '../../core/warehouse/index.ts';
import { EXIT, fmt, type GlobalOptions, setup } from '../shared.ts';

/** Options of `aegis audit verify`. */
export interface AuditVerifyCommandOptions extends GlobalOptions {
  /** Verify every signature instead of the checkpoints (minutes per million records). */
  allSignatures?: boolean;
  json?: boolean;
}

/** Options of `aegis audit witness`. */
export interface AuditWitnessCommandOptions extends GlobalOptions {
  /** The cluster's witness in NATS KV instead of the data directory's file. */
  nats?: boolean;
  /** Make the witness the table's head (after a restore), once `confirmSeq` names that head. */
  resetToTable?: boolean;
  confirmSeq?: string;
}

/** Options of `aegis audit export`. */
export interface AuditExportCommandOptions extends GlobalOptions {
  from?: string;
  to?: string;
}

/** `aegis audit verify`: proves the chain intact (count and head hash, exit 0) or names the first broken
 *  record and why (exit 1). The trusted keys come from `audit.trustFile`; the head witness from
 *  `<dataDir>/keys/audit-head.json` (the embedded writer's), which catches a deleted tail. Without it the
 *  tail is reported unchecked. */
export async function auditVerifyCommand(options: AuditVerifyCommandOptions): Promise<number> {
  const { config } = setup(options);
  const trustFile = trustFileOf({ trustFile: config.audit.trustFile, dataDir: config.dataDir });
  const trusted = readTrustedKeys(trustFile);
  if (trusted.size === 0)
    throw new ConfigError(
      `no trusted audit keys in ${trustFile}; set audit.trustFile or start AEGIS once to create it`,
    );
  const witnessFile = witnessFileOf({ dataDir: config.dataDir });
  let witnessed: AuditHead | undefined;
  try {
    witnessed = await createFileAuditWitness(witnessFile).read();
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}; move it aside to verify without it`, { cause: err });
  }
  return withAuditTable(config, async (warehouse) => {
    const result = await verifyAuditLog(warehouse, trusted, {
      signatures: options.allSignatures ? 'all' : 'checkpoints',
      ...(witnessed ? { expectedHead: witnessed } : {}),
    });
    const witness = { file: witnessFile, ...(witnessed ?? { missing: true }) };
    let text: string;
    if (options.json) text = `${JSON.stringify({ ...result, witness })}\n`;
    else if (result.ok) {
      text = `audit log intact: ${fmt(result.records)} records, head ${result.headSeq} ${result.headHash}\n`;
      if (witnessed) {
        const after = result.headSeq - witnessed.seq;
        text += `head witness ${witnessFile}: seq ${witnessed.seq} matches`;
        text += after > 0 ? `; the ${fmt(after)} records after it came after its last write\n` : '\n';
      }
    } else
      text =
        `audit log BROKEN at record ${result.firstBroken.seq} (${result.firstBroken.reason}): ${result.firstBroken.message}\n` +
        `${fmt(result.records)} records before it verified\n`;
    if (!witnessed && !options.json)
      text += `no head witness at ${witnessFile}: the tail is unchecked (deleting the newest records would not show)\n`;
    process.stdout.write(text);
    return result.ok ? EXIT.ok : EXIT.failure;
  });
}

/** `aegis audit export [--from SEQ] [--to SEQ]`: the records as JSON lines on stdout, in seq order, with
 *  the stored bytes (payload as its canonical JSON text, ts in epoch ms) so they can be verified elsewhere. */
export async function auditExportCommand(options: AuditExportCommandOptions): Promise<number> {
  const fromSeq = seqOption('--from', options.from);
  const toSeq = seqOption('--to', options.to);
  if (fromSeq !== undefined && toSeq !== undefined && toSeq < fromSeq)
    throw new UsageError(`--to must be >= --from (got ${toSeq} < ${fromSeq})`);
  const { config } = setup(options);
  return withAuditTable(config, async (warehouse) => {
    for await (const page of readAuditPages(warehouse, {
      ...(fromSeq !== undefined ? { fromSeq } : {}),
      ...(toSeq !== undefined ? { toSeq } : {}),
    })) {
      let text = '';
      for (const r of page)
        text += `${JSON.stringify({
          seq: r.seq,
          ts: r.ts,
          kind: r.kind,
          actor: r.actor,
          subject: r.subject,
          payload: r.payload,
          prev_hash: r.prevHash,
          hash: r.hash,
          key_id: r.keyId,
          signature: r.signature,
        })}\n`;
      // Respect a slow reader (a pipe to gzip, a network copy) instead of buffering the whole log.
      if (!process.stdout.write(text)) await once(process.stdout, 'drain');
    }
    return EXIT.ok;
  });
}

/** `aegis audit witness [--nats] [--reset-to-table --confirm-seq N]`: shows the head witness beside the
 *  table's head (exit 1 when the table ends before it); after restoring the tables from a backup, which
 *  is a truncation the witness rightly reports, `--reset-to-table` makes it witness the restored head so
 *  the writer extends the chain again. The reset is refused unless the restored chain verifies and
 *  `--confirm-seq` names its head: the operator says how far the restored log reaches. */
export async function auditWitnessCommand(options: AuditWitnessCommandOptions): Promise<number> {
  const confirmSeq = options.confirmSeq === undefined ? undefined : seqOption('--confirm-seq', options.confirmSeq);
  if (options.resetToTable && confirmSeq === undefined)
    throw new UsageError('--reset-to-table needs --confirm-seq N, N being the seq of the last restored record');
  const { config, logger } = setup(options);
  if (options.nats && !config.nats.url)
    throw new UsageError('--nats reads the cluster witness: set AEGIS_NATS_URL (nats.url)');
  const trusted = readTrustedKeys(trustFileOf({ trustFile: config.audit.trustFile, dataDir: config.dataDir }));
  const runtime = options.nats ? await openRuntime(config, { bus: true, name: 'audit-witness' }, logger) : undefined;
  try {
    const witness: AuditWitness = runtime
      ? createKvAuditWitness({ bucket: await runtime.bus!.kv(AUDIT_HEAD_BUCKET, { ttlMs: 0 }) })
      : createFileAuditWitness(witnessFileOf({ dataDir: config.dataDir }));
    const witnessed = await witness.read();
    return await withAuditTable(config, async (warehouse) => {
      const table = await verifyAuditLog(warehouse, trusted);
      const seen = witnessed ? `seq ${witnessed.seq} ${witnessed.hash}` : 'nothing yet';
      process.stdout.write(`witness ${witness.location}: ${seen}\n`);
      if (!table.ok) {
        process.stdout.write(
          `table: BROKEN at record ${table.firstBroken.seq} (${table.firstBroken.reason}): ${table.firstBroken.message}\n`,
        );
        if (options.resetToTable) process.stdout.write('not reset: a witness cannot vouch for a broken chain\n');
        return EXIT.failure;
      }
      process.stdout.write(`table: ${fmt(table.records)} records, head seq ${table.headSeq} ${table.headHash}\n`);
      if (!options.resetToTable) {
        const behind = witnessed !== undefined && witnessed.seq > table.headSeq;
        if (behind)
          process.stdout.write(
            `the table ends ${fmt(witnessed.seq - table.headSeq)} records before the witness: records were deleted, ` +
              'or the tables were restored from a backup (then run with --reset-to-table)\n',
          );
        return behind ? EXIT.failure : EXIT.ok;
      }
      if (confirmSeq !== table.headSeq)
        throw new UsageError(
          `--confirm-seq ${confirmSeq} is not the table's head (seq ${table.headSeq}); nothing reset`,
        );
      await witness.write({ seq: table.headSeq, hash: table.headHash });
      logger.warn(
        { witness: witness.location, from: witnessed ?? null, to: { seq: table.headSeq, hash: table.headHash } },
        'audit head witness reset to the table',
      );
      process.stdout.write(`witness reset to seq ${table.headSeq}\n`);
      return EXIT.ok;
    });
  } finally {
    await runtime?.close();
  }
}

async function withAuditTable(
  config: ReturnType<typeof setup>['config'],
  fn: (warehouse: Warehouse) => Promise<number>,
): Promise<number> {
  const warehouse = await openWarehouse(config.clickhouse, config.dataDir);
  try {
    const [table] = await warehouse.query(
      "SELECT 1 FROM system.tables WHERE database = currentDatabase() AND name = 'audit_log'",
    );
    if (!table) throw new ConfigError(`no audit_log table in ${warehouse.location}; run \`aegis migrate\``);
    return await fn(warehouse);
  } finally {
    await warehouse.close();
  }
}

function seqOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1)
    throw new UsageError(`${name} must be a record number >= 1 (got ${value})`);
  return n;
}
