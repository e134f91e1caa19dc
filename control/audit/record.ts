import { z } from 'zod';

/** What an audit record is about: the steps of an action's life, in the order they happen. */
export const AUDIT_KINDS = [
  'action.proposed',
  'policy.decided',
  'approval.granted',
  'approval.denied',
  'approval.escalated',
  'execution.step',
  'execution.result',
  'rollback',
  'action.closed',
  'insight.acknowledged',
  'recommendation.dismissed',
] as const;

/** One of {@link AUDIT_KINDS}. */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** An entry handed to `append`: the writer adds seq, ts, hashes and the signature. */
export const auditEntrySchema = z.strictObject({
  kind: z.enum(AUDIT_KINDS),
  /** Who did it: `agent:<id>`, `user:<id>`, `controller`. */
  actor: z.string().min(1),
  /** What it was done to: the action id, or the target. */
  subject: z.string().min(1),
  /** Any JSON value; stored as its RFC 8785 canonical encoding. */
  payload: z.json(),
  /** When it happened, epoch milliseconds. @default the writer's clock */
  ts: z.number().int().nonnegative().optional(),
});

/** Input of `append`. */
export type AuditEntry = z.input<typeof auditEntrySchema>;

/** A stored record, camelCase; the `audit_log` columns are the snake_case of these names. */
export interface AuditRecord {
  seq: number;
  /** Epoch milliseconds (the column is DateTime64(3, 'UTC')). */
  ts: number;
  kind: string;
  actor: string;
  subject: string;
  /** Canonical JSON text of the payload. */
  payload: string;
  /** Hash of the record before, {@link GENESIS_HASH} for seq 1. */
  prevHash: string;
  /** Signature of the record before, empty for seq 1. Hashed, so a swapped signature breaks the chain. */
  prevSignature: string;
  /** SHA-256 of the canonical record, hex. */
  hash: string;
  keyId: string;
  /** Ed25519 over the hash bytes, base64. */
  signature: string;
}

/** prev_hash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** Columns in JSONCompactEachRow order for inserts and reads. */
export const AUDIT_COLUMNS = [
  'seq',
  'ts',
  'kind',
  'actor',
  'subject',
  'payload',
  'prev_hash',
  'hash',
  'key_id',
  'signature',
] as const;
