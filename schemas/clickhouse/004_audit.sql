-- The audit log: every proposal, decision, approval, execution step, result and rollback, as a
-- hash chain with Ed25519 signatures (control/audit). Append-only: no TTL, never updated. The AEGIS
-- ClickHouse user is granted INSERT and SELECT on it and no ALTER, DELETE or TRUNCATE; the chain
-- makes any change outside that visible to `aegis audit verify` anyway.
--
-- `hash` is the SHA-256 (hex) of the RFC 8785 canonical JSON of
-- {seq, ts (epoch ms), kind, actor, subject, payload (the parsed object), prevHash, prevSignature, keyId};
-- `signature` is Ed25519 over the 32 hash bytes, base64, by the key `key_id` names.
CREATE TABLE IF NOT EXISTS audit_log
(
    seq UInt64,
    ts DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    actor String,
    subject String,
    payload String CODEC(ZSTD(3)),
    prev_hash String,
    hash String,
    key_id LowCardinality(String),
    signature String
)
ENGINE = MergeTree
ORDER BY seq;
