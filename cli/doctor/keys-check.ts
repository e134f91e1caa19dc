import { statSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_ADMIN_KEY_FILE } from '../../api/auth/dev-admin-key.ts';
import {
  type AuditHead,
  checkWitnessedHead,
  createFileAuditWitness,
  DEFAULT_KEY_FILE,
  parseAuditHead,
  readAuditKey,
  readTrustedKeys,
  trustFileOf,
  witnessFileOf,
} from '../../control/audit/index.ts';
import type { AegisConfig } from '../../core/config/index.ts';
import { messageOf } from '../../core/errors.ts';
import type { Warehouse } from '../../core/warehouse/index.ts';
import { type CheckResult, result } from './check.ts';
import { KV_WITNESS } from './nats-check.ts';

/** Mode bits of a file, or undefined when it does not exist. */
function modeOf(file: string): number | undefined {
  try {
    return statSync(file).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

const octal = (mode: number) => mode.toString(8).padStart(4, '0');

/** The audit signing key: present, mode 0600, an Ed25519 PEM key, the configured `audit.keyId`, and in
 *  the trust list. */
export function checkAuditKey(config: AegisConfig): CheckResult {
  const name = 'audit key';
  const keyFile = config.audit.keyFile || join(config.dataDir, DEFAULT_KEY_FILE);
  const trustFile = trustFileOf({ trustFile: config.audit.trustFile, dataDir: config.dataDir });
  const mode = modeOf(keyFile);
  if (mode === undefined)
    return config.audit.keyFile
      ? result(name, 'fail', `audit.keyFile ${keyFile} does not exist`, 'restore the key file, or unset audit.keyFile')
      : result(
          name,
          'warn',
          `no audit signing key yet at ${keyFile}`,
          'aegis start generates it on first start (back it up: it signs the audit log)',
        );
  if ((mode & 0o077) !== 0)
    return result(
      name,
      'fail',
      `${keyFile} has mode ${octal(mode)}: group or others may read it, and whoever reads it can forge audit records (the controller refuses it)`,
      `chmod 600 ${keyFile}`,
    );
  let keyId: string;
  try {
    keyId = readAuditKey(keyFile).keyId;
  } catch (err) {
    return result(name, 'fail', messageOf(err), 'restore the key from its backup (a PKCS#8 PEM Ed25519 private key)');
  }
  if (config.audit.keyId && config.audit.keyId !== keyId)
    return result(
      name,
      'fail',
      `audit.keyId is ${config.audit.keyId} but ${keyFile} holds key ${keyId}`,
      'put the right key file back, or set audit.keyId to the new key on purpose',
    );
  let trusted: Map<string, unknown>;
  try {
    trusted = readTrustedKeys(trustFile);
  } catch (err) {
    return result(name, 'fail', messageOf(err), `restore ${trustFile} from its backup (one JSON line per trusted key)`);
  }
  if (trusted.size === 0)
    return result(
      name,
      'warn',
      `key ${keyId} (${keyFile}, mode ${octal(mode)}); trust list ${trustFile} is missing or empty`,
      'the controller adds its key to an empty trust list at start; keep a copy of the list with the verifiers',
    );
  if (!trusted.has(keyId))
    return result(
      name,
      'fail',
      `key ${keyId} (${keyFile}) is not in the trust list ${trustFile} (trusted: ${[...trusted.keys()].join(', ')}); the controller refuses to sign with it`,
      'put the original key file back, or, if the key was replaced on purpose, add its public key to the trust list',
    );
  return result(
    name,
    'ok',
    `key ${keyId} (${keyFile}, mode ${octal(mode)}) is in the trust list (${trusted.size} key${trusted.size > 1 ? 's' : ''})`,
  );
}

/** Where the head witness is and what it holds: the file `<dataDir>/keys/audit-head.json` (embedded), or
 *  the NATS KV value read by the NATS check (cluster; `kvValue` undefined when NATS was not read). */
export interface WitnessSource {
  location: string;
  /** Reads it: undefined when absent; throws when it is not a head. */
  read(): Promise<AuditHead | undefined>;
}

/** The witness source a configuration uses. */
export function witnessSourceOf(config: AegisConfig, kvValue: string | null | undefined): WitnessSource | undefined {
  if (!config.nats.url) return createFileAuditWitness(witnessFileOf({ dataDir: config.dataDir }));
  if (kvValue === undefined) return undefined;
  const location = `NATS KV ${KV_WITNESS.bucket}/${KV_WITNESS.key}`;
  return { location, read: async () => (kvValue === null ? undefined : parseAuditHead(kvValue, location)) };
}

/** The audit head witness against the audit table: the table must reach the witnessed seq with the
 *  witnessed hash (a shorter table means its newest records were deleted). */
export async function checkAuditHead(params: {
  witness: WitnessSource | undefined;
  warehouse: Warehouse | undefined;
  skipReason?: string;
}): Promise<CheckResult> {
  const name = 'audit head';
  if (!params.witness) return result(name, 'warn', 'skipped: the witness lives in NATS KV, and NATS could not be read');
  let witnessed: AuditHead | undefined;
  try {
    witnessed = await params.witness.read();
  } catch (err) {
    return result(
      name,
      'fail',
      messageOf(err),
      `move ${params.witness.location} aside and run aegis audit verify; the controller refuses to extend the chain meanwhile`,
    );
  }
  const where = witnessed ? `witness ${params.witness.location} at seq ${witnessed.seq}` : 'no head witness yet';
  if (!params.warehouse)
    return result(name, 'warn', `${where}; not compared with the audit table: ${params.skipReason ?? 'no warehouse'}`);
  const [table] = await params.warehouse.query(
    "SELECT 1 AS present FROM system.tables WHERE database = currentDatabase() AND name = 'audit_log'",
  );
  if (!table) return result(name, 'fail', `${where}; no audit_log table`, 'run aegis migrate');
  const [last] = await params.warehouse.query<{ head_seq: number; records: number }>(
    'SELECT max(seq) AS head_seq, count() AS records FROM audit_log',
  );
  const headSeq = Number(last?.head_seq ?? 0);
  const records = Number(last?.records ?? 0);
  if (!witnessed)
    return records === 0
      ? result(name, 'ok', 'no audit records and no head witness yet')
      : result(
          name,
          'warn',
          `${records.toLocaleString('en-US')} audit records but no head witness at ${params.witness.location}: deleting the newest records would not show`,
          'the controller writes the witness after each append; check that it can write there',
        );
  let atSeq: string | undefined;
  if (witnessed.seq > 0 && witnessed.seq <= headSeq) {
    const [row] = await params.warehouse.query<{ hash: string }>(
      'SELECT hash FROM audit_log WHERE seq = {seq:UInt64} LIMIT 1',
      { seq: witnessed.seq },
    );
    atSeq = row?.hash;
  }
  const broken = checkWitnessedHead(witnessed, headSeq, atSeq);
  if (broken)
    return result(
      name,
      'fail',
      `${broken.message} (${params.witness.location})`,
      'run aegis audit verify for the full report; restore the deleted records from a backup',
    );
  const after = headSeq - witnessed.seq;
  return result(
    name,
    'ok',
    `table head seq ${headSeq}; ${where} matches${after > 0 ? ` (${after} newer records since its last write)` : ''}`,
  );
}

/** The development admin API key file of embedded mode: readable by its owner only. */
export function checkAdminKeyFile(config: AegisConfig): CheckResult {
  const name = 'admin key';
  const file = join(config.dataDir, DEV_ADMIN_KEY_FILE);
  const mode = modeOf(file);
  if (mode === undefined)
    return result(
      name,
      'ok',
      `no development admin key file at ${file} (aegis start writes one in embedded mode; cluster mode uses keys made with 'aegis api-key create' or the API)`,
    );
  if ((mode & 0o077) !== 0)
    return result(
      name,
      'fail',
      `${file} has mode ${octal(mode)}: group or others may read an admin API token`,
      `chmod 600 ${file}`,
    );
  return result(name, 'ok', `${file} (mode ${octal(mode)})`);
}
