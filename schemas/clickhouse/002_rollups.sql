-- Rollups maintained by materialized views at insert time, so scoring and dashboards read a few
-- rows per series and bucket instead of raw points. Minute rollups come from raw points; hour and
-- day rollups cascade from the minute rollup (smaller blocks, same result: min/max/sum/count merge,
-- and first/last are argMin/argMax states so counters can be turned into increases per bucket).
-- A series is (service, name, labels); series_id hashes the labels.

CREATE TABLE IF NOT EXISTS metrics_1m
(
    bucket DateTime('UTC'),
    service String,
    name String,
    series_id UInt64,
    labels SimpleAggregateFunction(any, Map(String, String)),
    kind SimpleAggregateFunction(any, Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4, 'untyped' = 5)),
    unit SimpleAggregateFunction(any, String),
    count SimpleAggregateFunction(sum, UInt64),
    sum SimpleAggregateFunction(sum, Float64),
    min SimpleAggregateFunction(min, Float64),
    max SimpleAggregateFunction(max, Float64),
    first AggregateFunction(argMin, Float64, DateTime64(3, 'UTC')),
    last AggregateFunction(argMax, Float64, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMMDD(bucket)
ORDER BY (service, name, series_id, bucket)
TTL bucket + toIntervalDay(90)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1m_mv TO metrics_1m AS
SELECT
    toStartOfMinute(src.ts) AS bucket,
    src.service AS service,
    src.name AS name,
    cityHash64(src.labels) AS series_id,
    any(src.labels) AS labels,
    any(src.kind) AS kind,
    any(src.unit) AS unit,
    count() AS count,
    sum(src.value) AS sum,
    min(src.value) AS min,
    max(src.value) AS max,
    argMinState(src.value, src.ts) AS first,
    argMaxState(src.value, src.ts) AS last
FROM metrics AS src
GROUP BY bucket, service, name, series_id;

CREATE TABLE IF NOT EXISTS metrics_1h AS metrics_1m
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (service, name, series_id, bucket)
TTL bucket + toIntervalDay(400)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1h_mv TO metrics_1h AS
SELECT
    toStartOfHour(m.bucket) AS bucket,
    m.service AS service,
    m.name AS name,
    m.series_id AS series_id,
    any(m.labels) AS labels,
    any(m.kind) AS kind,
    any(m.unit) AS unit,
    sum(m.count) AS count,
    sum(m.sum) AS sum,
    min(m.min) AS min,
    max(m.max) AS max,
    argMinMergeState(m.first) AS first,
    argMaxMergeState(m.last) AS last
FROM metrics_1m AS m
GROUP BY bucket, service, name, series_id;

CREATE TABLE IF NOT EXISTS metrics_1d AS metrics_1m
ENGINE = AggregatingMergeTree
PARTITION BY toYear(bucket)
ORDER BY (service, name, series_id, bucket)
TTL bucket + toIntervalDay(1100)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS metrics_1d_mv TO metrics_1d AS
SELECT
    toStartOfDay(m.bucket) AS bucket,
    m.service AS service,
    m.name AS name,
    m.series_id AS series_id,
    any(m.labels) AS labels,
    any(m.kind) AS kind,
    any(m.unit) AS unit,
    sum(m.count) AS count,
    sum(m.sum) AS sum,
    min(m.min) AS min,
    max(m.max) AS max,
    argMinMergeState(m.first) AS first,
    argMaxMergeState(m.last) AS last
FROM metrics_1h AS m
GROUP BY bucket, service, name, series_id;

-- Cost by hour and by day, with the ownership tags cost allocation needs.
CREATE TABLE IF NOT EXISTS cost_1h
(
    bucket DateTime('UTC'),
    BillingCurrency LowCardinality(String),
    ProviderName LowCardinality(String),
    SubAccountId LowCardinality(String),
    ServiceCategory LowCardinality(String),
    ServiceName LowCardinality(String),
    ChargeCategory LowCardinality(String),
    team LowCardinality(String),
    service LowCardinality(String),
    env LowCardinality(String),
    ResourceId String,
    ResourceType LowCardinality(String),
    BilledCost Float64,
    EffectiveCost Float64,
    ListCost Float64,
    rows UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, BillingCurrency, ServiceCategory, ServiceName, team, service, env, ChargeCategory, ProviderName, SubAccountId, ResourceType, ResourceId)
TTL bucket + toIntervalDay(400)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_1h_mv TO cost_1h AS
SELECT
    toStartOfHour(src.ChargePeriodStart) AS bucket,
    src.BillingCurrency AS BillingCurrency,
    src.ProviderName AS ProviderName,
    src.SubAccountId AS SubAccountId,
    src.ServiceCategory AS ServiceCategory,
    src.ServiceName AS ServiceName,
    src.ChargeCategory AS ChargeCategory,
    src.Tags['team'] AS team,
    src.Tags['service'] AS service,
    src.Tags['env'] AS env,
    src.ResourceId AS ResourceId,
    src.ResourceType AS ResourceType,
    sum(ifNull(src.BilledCost, 0)) AS BilledCost,
    sum(ifNull(src.EffectiveCost, 0)) AS EffectiveCost,
    sum(ifNull(src.ListCost, 0)) AS ListCost,
    count() AS rows
FROM cost AS src
GROUP BY bucket, BillingCurrency, ProviderName, SubAccountId, ServiceCategory, ServiceName, ChargeCategory,
         team, service, env, ResourceId, ResourceType;

CREATE TABLE IF NOT EXISTS cost_1d AS cost_1h
ENGINE = SummingMergeTree
PARTITION BY toYear(bucket)
ORDER BY (bucket, BillingCurrency, ServiceCategory, ServiceName, team, service, env, ChargeCategory, ProviderName, SubAccountId, ResourceType, ResourceId)
TTL bucket + toIntervalDay(1100)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS cost_1d_mv TO cost_1d AS
SELECT
    toStartOfDay(c.bucket) AS bucket,
    c.BillingCurrency AS BillingCurrency,
    c.ProviderName AS ProviderName,
    c.SubAccountId AS SubAccountId,
    c.ServiceCategory AS ServiceCategory,
    c.ServiceName AS ServiceName,
    c.ChargeCategory AS ChargeCategory,
    c.team AS team,
    c.service AS service,
    c.env AS env,
    c.ResourceId AS ResourceId,
    c.ResourceType AS ResourceType,
    sum(c.BilledCost) AS BilledCost,
    sum(c.EffectiveCost) AS EffectiveCost,
    sum(c.ListCost) AS ListCost,
    sum(c.rows) AS rows
FROM cost_1h AS c
GROUP BY bucket, BillingCurrency, ProviderName, SubAccountId, ServiceCategory, ServiceName, ChargeCategory,
         team, service, env, ResourceId, ResourceType;

-- Access attempts by hour: what security scoring counts (denials, privileged use, no MFA, root).
CREATE TABLE IF NOT EXISTS access_1h
(
    bucket DateTime('UTC'),
    origin LowCardinality(String),
    account LowCardinality(String),
    principal String,
    principal_type LowCardinality(String),
    action LowCardinality(String),
    result Enum8('success' = 1, 'denied' = 2, 'error' = 3),
    events UInt64,
    privileged UInt64,
    privileged_without_mfa UInt64,
    root UInt64
)
ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(bucket)
ORDER BY (bucket, origin, account, principal, principal_type, action, result)
TTL bucket + toIntervalDay(400)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS access_1h_mv TO access_1h AS
SELECT
    toStartOfHour(src.ts) AS bucket,
    src.origin AS origin,
    src.account AS account,
    src.principal AS principal,
    src.principal_type AS principal_type,
    src.action AS action,
    src.result AS result,
    count() AS events,
    countIf(src.privileged) AS privileged,
    countIf(src.privileged AND src.mfa = false) AS privileged_without_mfa,
    countIf(src.root) AS root
FROM access AS src
GROUP BY bucket, origin, account, principal, principal_type, action, result;

-- Latest inventory snapshot per resource (read with FINAL or argMax).
-- Same columns as resources; unpartitioned (AS would copy the daily partitions), so that the
-- newest snapshot replaces older ones whatever their day.
CREATE TABLE IF NOT EXISTS resources_latest AS resources
ENGINE = ReplacingMergeTree(ts)
PARTITION BY tuple()
ORDER BY resource_id
SETTINGS non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS resources_latest_mv TO resources_latest AS
SELECT * FROM resources;
