/** Environment variables and the config key each sets. Values are parsed by the key's type. */
export const ENV_KEYS: Readonly<Record<string, { path: string[]; type: 'string' | 'number' | 'boolean' }>> = {
  AEGIS_DATA_DIR: { path: ['dataDir'], type: 'string' },
  AEGIS_LOG_LEVEL: { path: ['logLevel'], type: 'string' },
  AEGIS_NATS_URL: { path: ['nats', 'url'], type: 'string' },
  AEGIS_NATS_SERVER_BIN: { path: ['nats', 'serverBin'], type: 'string' },
  AEGIS_NATS_PORT: { path: ['nats', 'port'], type: 'number' },
  AEGIS_NATS_STREAM_REPLICAS: { path: ['nats', 'streamReplicas'], type: 'number' },
  AEGIS_CLICKHOUSE_URL: { path: ['clickhouse', 'url'], type: 'string' },
  AEGIS_CLICKHOUSE_DATABASE: { path: ['clickhouse', 'database'], type: 'string' },
  AEGIS_CLICKHOUSE_USER: { path: ['clickhouse', 'username'], type: 'string' },
  AEGIS_CLICKHOUSE_PASSWORD: { path: ['clickhouse', 'password'], type: 'string' },
  AEGIS_RAW_RETENTION_DAYS: { path: ['clickhouse', 'rawRetentionDays'], type: 'number' },
  AEGIS_WRITER_MAX_BATCH_ROWS: { path: ['writer', 'maxBatchRows'], type: 'number' },
  AEGIS_WRITER_FLUSH_INTERVAL_MS: { path: ['writer', 'flushIntervalMs'], type: 'number' },
  AEGIS_OTLP_PORT: { path: ['collectors', 'otlpPort'], type: 'number' },
  AEGIS_OTLP_HOST: { path: ['collectors', 'otlpHost'], type: 'string' },
  AEGIS_SIMULATOR: { path: ['simulator', 'enabled'], type: 'boolean' },
  AEGIS_SIMULATOR_SEED: { path: ['simulator', 'seed'], type: 'number' },
  AEGIS_SIMULATOR_SERVICES: { path: ['simulator', 'services'], type: 'number' },
  AEGIS_SIMULATOR_TEAMS: { path: ['simulator', 'teams'], type: 'number' },
  AEGIS_BACKFILL_DAYS: { path: ['simulator', 'backfillDays'], type: 'number' },
  AEGIS_SCORING: { path: ['scoring', 'enabled'], type: 'boolean' },
  AEGIS_SCORING_INTERVAL_SEC: { path: ['scoring', 'intervalSec'], type: 'number' },
  AEGIS_CATALOG_DIR: { path: ['scoring', 'catalogDir'], type: 'string' },
  AEGIS_SLO_DIR: { path: ['scoring', 'sloDir'], type: 'string' },
  AEGIS_POLICY_DIR: { path: ['control', 'policyDir'], type: 'string' },
  AEGIS_POLICY_DEFAULT_EFFECT: { path: ['control', 'defaultEffect'], type: 'string' },
  AEGIS_AUDIT_KEY_FILE: { path: ['audit', 'keyFile'], type: 'string' },
  AEGIS_AUDIT_KEY_ID: { path: ['audit', 'keyId'], type: 'string' },
  AEGIS_AUDIT_TRUST_FILE: { path: ['audit', 'trustFile'], type: 'string' },
  AEGIS_API_HOST: { path: ['api', 'host'], type: 'string' },
  AEGIS_API_PORT: { path: ['api', 'port'], type: 'number' },
  AEGIS_API_READ_CACHE_MS: { path: ['api', 'readCacheMs'], type: 'number' },
  AEGIS_METRICS_HOST: { path: ['metrics', 'host'], type: 'string' },
  AEGIS_METRICS_PORT: { path: ['metrics', 'port'], type: 'number' },
};

/** Converts an env string to the key's type; a bad value is kept as the string so that zod names it. */
export function envValue(raw: string, type: 'string' | 'number' | 'boolean'): unknown {
  if (type === 'number') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    return raw;
  }
  return raw;
}
