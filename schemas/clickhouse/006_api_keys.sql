-- API keys of the GraphQL API (api/auth/keys.ts). Only the SHA-256 of each key's secret is stored: the
-- token `aegis_<key_id>_<secret>` is shown once, at creation. A key is revoked by writing a newer
-- version of its row with `revoked_at` set; ReplacingMergeTree keeps the highest version after merges
-- and `FINAL` (or argMax) reads the newest before they happen.
CREATE TABLE IF NOT EXISTS api_keys
(
    key_id String,
    name String,
    role LowCardinality(String),
    team Nullable(String),
    secret_sha256 FixedString(64),
    created_at DateTime64(3, 'UTC'),
    revoked_at Nullable(DateTime64(3, 'UTC')),
    version UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY key_id;
