export { type AuditLog, type AuditLogParams, createAuditLog, MAX_APPEND_ENTRIES } from './audit-log.ts';
export { canonicalJson, canonicalRecord, type HashedFields, recordDigest } from './canonical.ts';
export { type ParsedEntry, parseAuditEntry } from './entry.ts';
export {
  type AuditKey,
  DEFAULT_KEY_FILE,
  DEFAULT_TRUST_FILE,
  generateAuditKey,
  keyIdOf,
  type LoadAuditKeyParams,
  loadOrCreateAuditKey,
  readAuditKey,
  readTrustedKeys,
  type TrustedKeys,
  trustAuditKey,
  trustedKeysOf,
  trustFileOf,
} from './keys.ts';
export { createKvAuditLock, type KvAuditLockParams } from './kv-lock.ts';
export { type AuditLock, type AuditLockRelease, createInProcessAuditLock } from './lock.ts';
export {
  AUDIT_COLUMNS,
  AUDIT_KINDS,
  type AuditEntry,
  type AuditKind,
  type AuditRecord,
  auditEntrySchema,
  GENESIS_HASH,
} from './record.ts';
export { AUDIT_SELECT, type AuditRow, readAuditPages, toAuditRecord } from './rows.ts';
export {
  type AuditBreak,
  type AuditBreakReason,
  type AuditVerifyOptions,
  type AuditVerifyResult,
  checkRecord,
  checkWitnessedHead,
  verifyAuditLog,
} from './verify.ts';
export {
  AUDIT_HEAD_BUCKET,
  type AuditHead,
  type AuditWitness,
  createFileAuditWitness,
  createKvAuditWitness,
  DEFAULT_WITNESS_FILE,
  parseAuditHead,
  type WitnessBucket,
  witnessFileOf,
} from './witness.ts';
