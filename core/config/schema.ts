import { z } from 'zod';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();

/** Embedded (`url` unset) or external NATS JetStream. */
export const natsConfigSchema = z.strictObject({
  /** NATS server URL(s), comma-separated. Unset: start `nats-server -js` from PATH as a child. */
  url: z.string().default(''),
  /** Executable started in embedded mode. @default nats-server */
  serverBin: z.string().min(1).default('nats-server'),
  /** Client port of the embedded server; 0 picks a free one. @default 0 */
  port: port.default(0),
  /** Replicas of each stream (set 3 on a NATS cluster). @default 1 */
  streamReplicas: z.number().int().min(1).max(5).default(1),
  /** How long TELEMETRY keeps messages for replay, in hours. @default 24 */
  telemetryMaxAgeHours: positiveInt.default(24),
  /** How long DEADLETTER and EVENTS keep messages, in days. @default 7 */
  retainDays: positiveInt.default(7),
  /** Window in which a republished `Nats-Msg-Id` is dropped as a duplicate, in seconds. @default 600 */
  duplicateWindowSec: positiveInt.default(600),
});

/** Embedded (`url` unset) or server ClickHouse. */
export const clickhouseConfigSchema = z.strictObject({
  /** ClickHouse HTTP(S) URL. Unset: the embedded engine (chdb) under `<dataDir>/clickhouse`. */
  url: z
    .union([
      z.literal(''),
      z.url({
        protocol: /^https?$/,
        error: 'must be an http(s):// URL of a ClickHouse server, or empty for the embedded engine',
      }),
    ])
    .default(''),
  /** Database holding AEGIS tables. @default aegis */
  database: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'must be a plain identifier (letters, digits, _)' })
    .default('aegis'),
  username: z.string().default('default'),
  password: z.string().default(''),
  /** Per-query timeout, in milliseconds. @default 30000 */
  requestTimeoutMs: positiveInt.default(30_000),
  /** Days raw telemetry rows are kept before TTL removes them (rollups are kept longer). @default 30 */
  rawRetentionDays: positiveInt.default(30),
});

/** The ingest writer: TELEMETRY → ClickHouse. */
export const writerConfigSchema = z
  .strictObject({
    /** Durable consumer name shared by every writer replica. @default ingest-writer */
    durable: z.string().min(1).default('ingest-writer'),
    /** Flush a batch when it holds this many rows. @default 100000 */
    maxBatchRows: positiveInt.default(100_000),
    /** Flush whatever is buffered after this long, in milliseconds. @default 1000 */
    flushIntervalMs: positiveInt.default(1000),
    /** Most unacknowledged messages held at once (across replicas); bounds memory under backpressure,
     *  since each holds its message bytes until acked. @default 1000 */
    maxAckPending: positiveInt.default(1000),
    /** Deliveries of one message before it is given up to the dead-letter stream. @default 10 */
    maxDeliver: z.number().int().min(2).default(10),
    /** How long NATS waits for an ack before redelivering, in milliseconds. @default 60000 */
    ackWaitMs: positiveInt.default(60_000),
    /** Backoff between insert retries while ClickHouse fails: first and longest wait, in milliseconds. */
    retryInitialMs: positiveInt.default(250),
    retryMaxMs: positiveInt.default(15_000),
  })
  .superRefine((c, ctx) => {
    if (c.retryMaxMs < c.retryInitialMs)
      ctx.addIssue({
        code: 'custom',
        path: ['retryMaxMs'],
        message: `retryMaxMs must be >= retryInitialMs (got ${c.retryMaxMs} < ${c.retryInitialMs})`,
      });
  });

/** A Prometheus scrape target. */
export const scrapeTargetSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  /** `job` label and service name of the scraped points. */
  job: z.string().min(1),
  /** Scrape interval, in seconds. @default 15 */
  intervalSec: positiveInt.default(15),
  /** Scrape timeout, in seconds. @default 10 */
  timeoutSec: positiveInt.default(10),
});

/** Collectors that listen or poll. */
export const collectorsConfigSchema = z.strictObject({
  /** OTLP/HTTP receiver port (`POST /v1/metrics`); 0 disables it. @default 4318 */
  otlpPort: port.default(4318),
  /** Address the OTLP receiver binds. @default 127.0.0.1 */
  otlpHost: z.string().default('127.0.0.1'),
  /** Largest accepted OTLP request body, in bytes. @default 16777216 (16 MiB) */
  otlpMaxBodyBytes: positiveInt.default(16 * 1024 * 1024),
  /** Prometheus targets to scrape. @default [] */
  scrapeTargets: z.array(scrapeTargetSchema).default([]),
  /** Records per published NATS message. @default 500 */
  batchRecords: positiveInt.default(500),
});

/** The simulated platform of the embedded demo. */
export const simulatorConfigSchema = z
  .strictObject({
    /** Run the simulator in `aegis start`. @default true */
    enabled: z.boolean().default(true),
    seed: z.number().int().min(0).max(0xffffffff).default(42),
    /** Catalogued services of the simulated platform (1–1000). @default 24 */
    services: z.number().int().min(1).max(1000).default(24),
    /** Owning teams; services are spread over them; at most `services`. Unset: 6, or `services` when fewer. */
    teams: z.number().int().min(1).max(100).optional(),
    /** Days of history backfilled on first start, 0 for none. @default 7 */
    backfillDays: z.number().int().min(0).max(90).default(7),
    /** How often live telemetry is generated, in milliseconds. @default 10000 */
    tickMs: positiveInt.default(10_000),
  })
  .superRefine((c, ctx) => {
    if (c.teams !== undefined && c.teams > c.services)
      ctx.addIssue({
        code: 'custom',
        path: ['teams'],
        message: `teams must be <= services (got ${c.teams} > ${c.services})`,
      });
  });

/** The scoring service: scores, SLO burn, anomalies, forecasts, insights and recommendations. */
export const scoringConfigSchema = z.strictObject({
  /** Run the scorer in `aegis start`. @default true */
  enabled: z.boolean().default(true),
  /** Seconds between scoring passes. @default 60 */
  intervalSec: positiveInt.default(60),
  /** Seconds between stores of every service and team score; platform scores are stored every pass. @default 900 */
  storeScoresEverySec: positiveInt.default(900),
  /** Backstage `catalog-info.yaml` files. Unset: the simulated platform's catalog when the simulator
   *  runs, else `./catalog`. */
  catalogDir: z.string().default(''),
  /** OpenSLO v1 files. Unset: the simulated platform's SLOs when the simulator runs, else `./slos`. */
  sloDir: z.string().default(''),
  /** Days of inventory behind utilisation, idle and oversized findings. @default 7 */
  lookbackDays: z.number().int().min(1).max(30).default(7),
  /** Closed hours of SLI counts recomputed every pass, for late data. @default 3 */
  recomputeHours: z.number().int().min(0).max(72).default(3),
  /** Fewest events in a window before a burn-rate rule may fire (low-traffic guard); 0 disables. @default 100 */
  minEvents: z.number().int().min(0).default(100),
  /** Tags every catalogued resource must carry. @default [team, service, env] */
  requiredTags: z.array(z.string().min(1)).default(['team', 'service', 'env']),
  /** Access-log actions that count as a deploy (change) of the service named by the resource. @default [ecr:PutImage] */
  deployActions: z.array(z.string().min(1)).default(['ecr:PutImage']),
  /** Days after which a privileged action a principal no longer exercises counts as unused. @default 7 */
  unusedAccessDays: z.number().int().min(1).max(80).default(7),
  /** Monthly budget per team, USD; overrides the catalog's `aegis.io/monthly-budget-usd`. @default {} */
  budgets: z.record(z.string(), z.number().positive()).default({}),
  /** Anomaly score (0–1) at or above which a point is anomalous. @default 0.9 */
  anomalyThreshold: z.number().gt(0).lt(1).default(0.9),
});

/** The audit log's signing key and the public keys it trusts. */
export const auditConfigSchema = z.strictObject({
  /** PKCS#8 PEM Ed25519 private key, readable by its owner only (mode 0600). Unset:
   *  `<dataDir>/keys/audit-ed25519.pem`, generated on first start. */
  keyFile: z.string().default(''),
  /** Key id (16 hex digits) the key must have; guards against a swapped key file. Unset: not checked. */
  keyId: z
    .union([z.literal(''), z.string().regex(/^[0-9a-f]{16}$/, { error: 'must be 16 lowercase hex digits' })])
    .default(''),
  /** Trusted public keys, one JSON line each; old keys stay after rotation. Unset: `<dataDir>/keys/audit-public.jsonl`. */
  trustFile: z.string().default(''),
});

/** The control layer: the policy that gates every action. */
export const controlConfigSchema = z.strictObject({
  /** Directory of the YAML policy sets (and their `*_test.yaml` cases). @default ./policies */
  policyDir: z.string().min(1).default('./policies'),
  /** Effect when no rule matches and no policy set names its own default. @default require_approval */
  defaultEffect: z.enum(['allow', 'require_approval', 'deny']).default('require_approval'),
});

/** The whole configuration: `aegis.yaml` overlaid with `AEGIS_*` environment variables. */
export const aegisConfigSchema = z.strictObject({
  /** Where embedded NATS and ClickHouse keep data, keys and ground truth. @default ./data */
  dataDir: z.string().min(1).default('./data'),
  /** pino level: fatal, error, warn, info, debug, trace, silent. @default info */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  nats: natsConfigSchema.prefault({}),
  clickhouse: clickhouseConfigSchema.prefault({}),
  writer: writerConfigSchema.prefault({}),
  collectors: collectorsConfigSchema.prefault({}),
  simulator: simulatorConfigSchema.prefault({}),
  scoring: scoringConfigSchema.prefault({}),
  control: controlConfigSchema.prefault({}),
  audit: auditConfigSchema.prefault({}),
});

export type AegisConfig = z.output<typeof aegisConfigSchema>;
export type NatsConfig = AegisConfig['nats'];
export type ClickHouseConfig = AegisConfig['clickhouse'];
export type WriterConfig = AegisConfig['writer'];
export type CollectorsConfig = AegisConfig['collectors'];
export type ScrapeTarget = CollectorsConfig['scrapeTargets'][number];
export type SimulatorConfig = AegisConfig['simulator'];
export type ScoringConfig = AegisConfig['scoring'];
export type ControlConfig = AegisConfig['control'];
export type AuditConfig = AegisConfig['audit'];
