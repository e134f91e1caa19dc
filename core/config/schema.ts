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
    /** Flush a batch when it holds this many rows. 50,000 keeps the embedded engine's peak memory under
     *  1 GB at full speed (bench:ingest: 100,000 gains 2 % throughput for 170 MB more). @default 50000 */
    maxBatchRows: positiveInt.default(50_000),
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

const automationLevelSchema = z.enum(['manual', 'approve-then-auto', 'auto']);

const utcHour = z.number().int().min(0).max(24);

/** Guards on execution: windows, freezes, limits, timeouts and verification. */
export const executionConfigSchema = z.strictObject({
  /** Time one executor call may take before its outcome counts as unknown (and is retried with the
   *  same idempotency key), in milliseconds. @default 30000 */
  timeoutMs: z.number().int().min(100).max(3_600_000).default(30_000),
  /** Executor calls per execution (1 = no retry). @default 3 */
  attempts: z.number().int().min(1).max(10).default(3),
  /** Wait after an execution before its post-condition is checked against fresh telemetry, in
   *  milliseconds. @default 120000 */
  verifyAfterMs: z.number().int().min(0).default(120_000),
  /** Give up verifying (and record it as unverified, without rollback) this long after execution, in
   *  milliseconds. @default 900000 */
  verifyTimeoutMs: z.number().int().min(1000).default(900_000),
  /** Largest number of resources one action may touch. @default 50 */
  maxBlastRadius: z.number().int().min(1).default(50),
  /** Executions per action type per rolling hour. @default 20 */
  maxPerTypePerHour: z.number().int().min(1).default(20),
  /** Executions per owning team per rolling hour. @default 10 */
  maxPerTeamPerHour: z.number().int().min(1).default(10),
  /** When risk-adding actions may run (UTC); empty means any time. @default [] */
  changeWindows: z
    .array(
      z
        .strictObject({
          /** Days of the week, 0 = Sunday. */
          days: z.array(z.number().int().min(0).max(6)).min(1),
          startHourUtc: utcHour,
          endHourUtc: utcHour,
        })
        .refine((w) => w.endHourUtc > w.startHourUtc, { message: 'endHourUtc must be > startHourUtc' }),
    )
    .default([]),
  /** Periods in which no risk-adding action runs (ISO 8601 times). @default [] */
  freezes: z
    .array(
      z
        .strictObject({
          from: z.iso.datetime({ offset: true }),
          to: z.iso.datetime({ offset: true }),
          reason: z.string().default(''),
        })
        .refine((f) => Date.parse(f.to) > Date.parse(f.from), { message: 'to must be after from' }),
    )
    .default([]),
});

/** A signed webhook executor. */
export const webhookConfigSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { error: 'must be lowercase letters, digits and dashes' }),
  url: z.url({ protocol: /^https?$/ }),
  /** Environment variable holding the HMAC secret (never the secret itself in a file). */
  secretEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { error: 'must be an environment variable name' }),
  /** Action types it carries out. */
  types: z.array(z.string().min(1)).min(1),
  /** @default 10000 */
  timeoutMs: z.number().int().min(100).default(10_000),
  /** Retries after the first attempt on network errors, 429 and 5xx. @default 3 */
  retries: z.number().int().min(0).max(10).default(3),
});

/** The control layer: the policy that gates every action. */
export const controlConfigSchema = z.strictObject({
  /** Directory of the YAML policy sets (and their `*_test.yaml` cases). @default ./policies */
  policyDir: z.string().min(1).default('./policies'),
  /** Effect when no rule matches and no policy set names its own default. @default require_approval */
  defaultEffect: z.enum(['allow', 'require_approval', 'deny']).default('require_approval'),
  /** How far AEGIS acts on its own, per action type: `manual` (an operator executes approved
   *  actions), `approve-then-auto` (a person approves even what policy allows, then AEGIS executes),
   *  `auto` (AEGIS executes as soon as policy and approvals allow). @default manual for every type */
  automation: z
    .strictObject({
      /** @default manual */
      default: automationLevelSchema.default('manual'),
      /** Level per action type (`stop_idle: auto`). @default {} */
      types: z.record(z.string(), automationLevelSchema).default({}),
    })
    .prefault({}),
  execution: executionConfigSchema.prefault({}),
  /** How often the controller expires, escalates, executes automated actions and verifies executed
   *  ones, in seconds. @default 15 */
  sweepIntervalSec: z.number().int().min(1).max(3600).default(15),
  /** Signed webhooks that carry out actions: each receives the action types it lists. @default [] */
  webhooks: z.array(webhookConfigSchema).default([]),
  /** Approval routing: `roles` (role → people), `financeAboveUsdMonth`, `platformLeadTiers`,
   *  `platformLeadBelowErrorBudget`, quorums, `expiryMs`, `escalateAfterMs`, `escalateTo`,
   *  `humanRequiredForAgents`. Checked when the controller starts (control/approvals/config.ts owns the
   *  schema: routing is the control layer's business). @default {} */
  approvals: z.record(z.string(), z.unknown()).default({}),
  /** Action types sent to agents over NATS (request/reply on `aegis.exec.<type>`) when no webhook
   *  takes them; the simulator's types go to the simulated platform when it runs. @default [] */
  natsExecutorTypes: z.array(z.string().min(1)).default([]),
});

/** The GraphQL API server: where it listens and the limits every request is held to. */
export const apiConfigSchema = z.strictObject({
  /** Interface the HTTP and WebSocket server binds. @default 127.0.0.1 (local only; 0.0.0.0 for every interface) */
  host: z.string().min(1).default('127.0.0.1'),
  /** TCP port of `/graphql` (HTTP and WebSocket), `/healthz`, `/readyz` and `/metrics`; 0 picks a free
   *  port (the server reports it once started). @default 4000 */
  port: port.default(4000),
  /** Deepest field nesting an operation may select, counted through fragments (introspection has its
   *  own, fixed allowance). @default 10 */
  maxDepth: z.number().int().positive().default(10),
  /** Most aliased fields in one document: aliases multiply the work of a query without making it
   *  deeper. @default 30 */
  maxAliases: z.number().int().min(0).default(30),
  /** Largest static cost of one operation, in points: a field costs 1, a connection costs 1 + `first`
   *  (default 20) × the cost of what it selects. @default 5000 */
  maxCost: z.number().int().positive().default(5000),
  /** Most lexical tokens in a query document; the parser stops past it, before any validation work.
   *  @default 10000 */
  maxTokens: z.number().int().positive().default(10_000),
  /** Largest HTTP request body, in bytes; more is refused with 413 before it is parsed.
   *  @default 262144 (256 KiB) */
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(256 * 1024),
  /** Cost points each API key may spend per minute; the bucket refills continuously, and an operation
   *  that costs more than is left is refused with RATE_LIMITED. 0 disables the rate limit.
   *  @default 20000 */
  rateLimitPointsPerMinute: z.number().int().min(0).default(20_000),
  /** How long an authenticated key is remembered, in milliseconds: a revoked key keeps working on other
   *  replicas for at most this long. 0 looks every request's key up in ClickHouse. @default 30000 */
  keyCacheMs: z.number().int().min(0).default(30_000),
  /** How long the read side (scores, SLOs, cost, insights, recommendations) serves a query result or a
   *  whole read-only answer from memory, in milliseconds: the longest a change written by another process
   *  (a scoring pass, another replica) takes to show. This server's own writes show at once; actions,
   *  audit and keys are never cached. 0 turns the cache off. @default 5000 */
  readCacheMs: z.number().int().min(0).default(5000),
  /** How long `stop()` waits for requests in flight before closing their connections, in milliseconds.
   *  @default 10000 */
  shutdownTimeoutMs: z.number().int().positive().default(10_000),
});

/** The health and metrics endpoint of `aegis run <role>` for roles without the API (the API role and
 *  `aegis start` serve `/healthz`, `/readyz` and `/metrics` on the API's port). */
export const metricsConfigSchema = z.strictObject({
  /** Interface the health and metrics server binds. @default 127.0.0.1 (local only; 0.0.0.0 for a
   *  Prometheus scraping from another host or container) */
  host: z.string().min(1).default('127.0.0.1'),
  /** TCP port of `/healthz`, `/readyz` and `/metrics`; 0 disables the server. Roles run side by side on
   *  one host need a port each. @default 9464 */
  port: port.default(9464),
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
  api: apiConfigSchema.prefault({}),
  metrics: metricsConfigSchema.prefault({}),
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
export type ApiConfig = AegisConfig['api'];
export type MetricsConfig = AegisConfig['metrics'];
