-- Raw telemetry, one row per point/record as validated by the ingest writer.
-- `_seq` is the TELEMETRY stream sequence of the message a row arrived in: after a crash the writer
-- looks it up to skip messages whose rows are already stored (see ingest/writer). Its minmax index
-- keeps that lookup to the few newest parts.
-- non_replicated_deduplication_window lets a retried insert with the same deduplication token be
-- dropped (ReplicatedMergeTree has replicated_deduplication_window on by default).

-- metrics takes nearly all of the volume: its strings are plain String, not LowCardinality, which
-- inserts markedly faster (no dictionary upkeep per block) and still compresses well with LZ4.
CREATE TABLE IF NOT EXISTS metrics
(
    ts DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)),
    service String,
    name String,
    kind Enum8('gauge' = 1, 'counter' = 2, 'histogram' = 3, 'summary' = 4, 'untyped' = 5),
    value Float64 CODEC(Gorilla, ZSTD(1)),
    labels Map(String, String),
    unit String,
    source String,
    _seq UInt64 CODEC(Delta, ZSTD(1)),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_seq _seq TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (service, name, ts)
TTL toDateTime(ts) + toIntervalDay(30)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS cost
(
    ChargePeriodStart DateTime64(3, 'UTC'),
    ChargePeriodEnd DateTime64(3, 'UTC'),
    BillingPeriodStart Nullable(DateTime64(3, 'UTC')),
    BillingPeriodEnd Nullable(DateTime64(3, 'UTC')),
    BilledCost Nullable(Float64),
    EffectiveCost Nullable(Float64),
    ListCost Nullable(Float64),
    ContractedCost Nullable(Float64),
    BillingCurrency LowCardinality(String),
    BillingAccountId String,
    BillingAccountName String,
    SubAccountId String,
    SubAccountName String,
    ProviderName LowCardinality(String),
    PublisherName LowCardinality(String),
    InvoiceIssuerName LowCardinality(String),
    ServiceName LowCardinality(String),
    ServiceCategory LowCardinality(String),
    ServiceSubcategory LowCardinality(String),
    ChargeCategory LowCardinality(String),
    ChargeClass LowCardinality(String),
    ChargeFrequency LowCardinality(String),
    ChargeDescription String,
    PricingCategory LowCardinality(String),
    PricingQuantity Nullable(Float64),
    PricingUnit LowCardinality(String),
    ConsumedQuantity Nullable(Float64),
    ConsumedUnit LowCardinality(String),
    ResourceId String,
    ResourceName String,
    ResourceType LowCardinality(String),
    RegionId LowCardinality(String),
    RegionName LowCardinality(String),
    AvailabilityZone LowCardinality(String),
    SkuId String,
    SkuPriceId String,
    CommitmentDiscountId String,
    CommitmentDiscountCategory LowCardinality(String),
    Tags Map(LowCardinality(String), String),
    Extra Map(LowCardinality(String), String),
    source LowCardinality(String),
    _seq UInt64 CODEC(Delta, ZSTD(1)),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_seq _seq TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ChargePeriodStart)
ORDER BY (ServiceCategory, ServiceName, ChargePeriodStart, ResourceId)
-- Cost rows are kept for a year and more of month-over-month comparison, whatever the raw retention.
TTL toDateTime(ChargePeriodStart) + toIntervalDay(400)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS access
(
    ts DateTime64(3, 'UTC'),
    event_id String,
    origin LowCardinality(String),
    principal String,
    principal_type LowCardinality(String),
    action LowCardinality(String),
    resource String,
    result Enum8('success' = 1, 'denied' = 2, 'error' = 3),
    error_code LowCardinality(String),
    source_ip String,
    user_agent String,
    mfa Nullable(Bool),
    privileged Bool,
    root Bool,
    account LowCardinality(String),
    region LowCardinality(String),
    source LowCardinality(String),
    _seq UInt64 CODEC(Delta, ZSTD(1)),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_seq _seq TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (principal, ts)
TTL toDateTime(ts) + toIntervalDay(30)
SETTINGS non_replicated_deduplication_window = 1000;

CREATE TABLE IF NOT EXISTS resources
(
    ts DateTime64(3, 'UTC'),
    resource_id String,
    resource_type LowCardinality(String),
    service LowCardinality(String),
    owner LowCardinality(String),
    env LowCardinality(String),
    region LowCardinality(String),
    state Enum8('running' = 1, 'stopped' = 2, 'terminated' = 3),
    tags Map(LowCardinality(String), String),
    cpu_utilization Nullable(Float64),
    memory_utilization Nullable(Float64),
    provisioned_vcpu Nullable(Float64),
    provisioned_memory_gib Nullable(Float64),
    hourly_cost Nullable(Float64),
    currency LowCardinality(String),
    source LowCardinality(String),
    _seq UInt64 CODEC(Delta, ZSTD(1)),
    ingested_at DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX idx_seq _seq TYPE minmax GRANULARITY 1
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (resource_id, ts)
TTL toDateTime(ts) + toIntervalDay(30)
SETTINGS non_replicated_deduplication_window = 1000;
