import type { Warehouse } from '../../core/warehouse/index.ts';
import { recordDigest } from './canonical.ts';
import { type TrustedKeys, verifyDigest } from './keys.ts';
import { type AuditRecord, GENESIS_HASH } from './record.ts';
import { readAuditPages } from './rows.ts';
import type { AuditHead } from './witness.ts';

/** Why a record fails verification. */
export type AuditBreakReason =
  /** A seq is missing: a record was deleted. */
  | 'seq-gap'
  /** A seq appears twice: two writers forked the chain, or a record was copied. */
  | 'seq-duplicate'
  /** prev_hash is not the previous record's hash: records reordered, removed or inserted. */
  | 'prev-hash-mismatch'
  /** The fields do not hash to `hash`: the record (or the signature before it) was edited. */
  | 'hash-mismatch'
  /** Signed by a key that is not trusted: a replaced key. */
  | 'untrusted-key'
  /** The signature does not verify with the trusted key of that id: a forged signature. */
  | 'bad-signature'
  /** The table ends before the seq the head witness saw: the newest records were deleted. */
  | 'truncated'
  /** The record at the witnessed seq has another hash: the tail was rewritten (or the witness belongs
   *  to another chain). */
  | 'witness-mismatch';

/** The first record that fails, and why. */
export interface AuditBreak {
  seq: number;
  reason: AuditBreakReason;
  message: string;
}

/** Outcome of {@link verifyAuditLog}. */
export type AuditVerifyResult =
  /** `witnessedSeq`: the seq checked against `expectedHead`, when one was given (records after it were
   *  appended after the witness was last written, so their deletion would not show). */
  | { ok: true; records: number; headSeq: number; headHash: string; witnessedSeq?: number }
  /** `records` counts the records verified before the break. */
  | { ok: false; records: number; firstBroken: AuditBreak };

/** Options of {@link verifyAuditLog}. */
export interface AuditVerifyOptions {
  /** Called after each page with the records verified so far. */
  onProgress?: (records: number) => void;
  /** `checkpoints` verifies the signature of the last record of each page and of each key's run, which
   *  covers every record before it through the chain (each hash covers the signature before it);
   *  `all` verifies every signature (about 170 µs each here, so 1M records take minutes). @default checkpoints */
  signatures?: 'checkpoints' | 'all';
  /** Records per read. @default 20000 */
  pageRows?: number;
  /** @default audit_log */
  table?: string;
  /** The head a witness saw (see `AuditWitness`): the chain must reach its seq with its hash, or the
   *  result is `truncated` / `witness-mismatch`. Unset: a chain missing its newest records still verifies. */
  expectedHead?: AuditHead;
}

/** Checks one record against the one before it (seq, link, hash, key trust), without its signature. */
export function checkRecord(
  r: AuditRecord,
  before: { seq: number; hash: string; signature: string },
  trusted: TrustedKeys,
): AuditBreak | undefined {
  const expected = before.seq + 1;
  if (r.seq < expected)
    return {
      seq: r.seq,
      reason: 'seq-duplicate',
      message: `record ${r.seq} appears twice (a forked chain or a copied record)`,
    };
  if (r.seq > expected)
    return {
      seq: expected,
      reason: 'seq-gap',
      message: `record ${expected} is missing (record ${r.seq} follows ${before.seq})`,
    };
  if (r.prevHash !== before.hash)
    return {
      seq: r.seq,
      reason: 'prev-hash-mismatch',
      message: `record ${r.seq}: prev_hash ${short(r.prevHash)} is not the hash ${short(before.hash)} of record ${before.seq} (records reordered, removed or inserted)`,
    };
  const digest = recordDigest({ ...r, prevSignature: before.signature }).toString('hex');
  if (digest !== r.hash)
    return {
      seq: r.seq,
      reason: 'hash-mismatch',
      message: `record ${r.seq}: its fields hash to ${short(digest)}, not the stored ${short(r.hash)} (the record was edited)`,
    };
  if (!trusted.has(r.keyId))
    return {
      seq: r.seq,
      reason: 'untrusted-key',
      message: `record ${r.seq}: signed by key ${r.keyId}, which is not trusted`,
    };
  return undefined;
}

/** Checks the head a witness saw against the record at its seq (`atSeq`: its hash, or undefined when
 *  the table ends at `tableHeadSeq` before it). */
export function checkWitnessedHead(
  witnessed: AuditHead,
  tableHeadSeq: number,
  atSeq: string | undefined,
): AuditBreak | undefined {
  if (witnessed.seq === 0) return undefined;
  if (atSeq === undefined || tableHeadSeq < witnessed.seq)
    return {
      seq: tableHeadSeq + 1,
      reason: 'truncated',
      message: `the witness says the chain reached seq ${witnessed.seq} (hash ${short(witnessed.hash)}) but the table ends at seq ${tableHeadSeq} (the newest records were deleted)`,
    };
  if (atSeq !== witnessed.hash)
    return {
      seq: witnessed.seq,
      reason: 'witness-mismatch',
      message: `record ${witnessed.seq}: hash ${short(atSeq)} is not the hash ${short(witnessed.hash)} the witness saw (the tail was rewritten)`,
    };
  return undefined;
}

/** Checks one record's signature (its hash already checked). */
export function checkSignature(r: AuditRecord, trusted: TrustedKeys): AuditBreak | undefined {
  const key = trusted.get(r.keyId);
  if (key && verifyDigest(key, Buffer.from(r.hash, 'hex'), r.signature)) return undefined;
  return {
    seq: r.seq,
    reason: 'bad-signature',
    message: `record ${r.seq}: the signature does not verify with key ${r.keyId} (forged or altered)`,
  };
}

/** Verifies the whole chain in seq order, a page at a time (memory stays at one page however long the
 *  log): seq continuity, prev_hash links, recomputed hashes, key trust and signatures. Names the first
 *  broken record.
 *  @example const result = await verifyAuditLog(warehouse, readTrustedKeys(trustFile)); */
export async function verifyAuditLog(
  warehouse: Warehouse,
  trusted: TrustedKeys,
  options: AuditVerifyOptions = {},
): Promise<AuditVerifyResult> {
  const all = options.signatures === 'all';
  const expected = options.expectedHead;
  let before = { seq: 0, hash: GENESIS_HASH, signature: '' };
  let records = 0;
  // Records whose signatures the next checkpoint will vouch for; on a failure they are checked one by one,
  // so the first broken record is named even when a later check noticed it.
  let pending: AuditRecord[] = [];
  const fail = (found: AuditBreak): AuditVerifyResult => {
    for (const p of pending) {
      if (p.seq >= found.seq) break;
      const bad = checkSignature(p, trusted);
      if (bad) return { ok: false, records: p.seq - 1, firstBroken: bad };
    }
    return { ok: false, records, firstBroken: found };
  };
  for await (const page of readAuditPages(warehouse, {
    ...(options.table ? { table: options.table } : {}),
    pageRows: options.pageRows ?? 20_000,
  })) {
    for (let i = 0; i < page.length; i++) {
      const r = page[i]!;
      const broken = checkRecord(r, before, trusted);
      if (broken) return fail(broken);
      const checkpoint = all || i === page.length - 1 || page[i + 1]!.keyId !== r.keyId;
      if (checkpoint) {
        if (checkSignature(r, trusted)) {
          pending.push(r);
          return fail({ seq: r.seq + 1, reason: 'bad-signature', message: '' });
        }
        pending = [];
      } else {
        pending.push(r);
      }
      if (r.seq === expected?.seq && r.hash !== expected.hash) {
        // A forgery at or before this record is the better answer: check the signatures not yet checked.
        for (const p of pending) {
          const bad = checkSignature(p, trusted);
          if (bad) return { ok: false, records: p.seq - 1, firstBroken: bad };
        }
        return { ok: false, records, firstBroken: checkWitnessedHead(expected, r.seq, r.hash)! };
      }
      before = { seq: r.seq, hash: r.hash, signature: r.signature };
      records++;
    }
    options.onProgress?.(records);
  }
  if (expected && expected.seq > before.seq) return fail(checkWitnessedHead(expected, before.seq, undefined)!);
  return {
    ok: true,
    records,
    headSeq: before.seq,
    headHash: before.hash,
    ...(expected ? { witnessedSeq: expected.seq } : {}),
  };
}

function short(hash: string): string {
  return hash.length > 16 ? `${hash.slice(0, 12)}…` : hash || '(empty)';
}
