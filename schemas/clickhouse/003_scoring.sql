-- What the scoring service derives. Append-only like everything else: a pass appends its results,
-- current state is the latest row (argMax / ReplacingMergeTree by version), history stays queryable.

-- One row per score per pass. `components` is the JSON of the score's components, each with the
-- evidence (table, filter, time range) that made it, so every number can be traced to its rows.
CREATE TABLE IF NOT EXISTS scores
(
    computed_at DateTime64(3, 'UTC'),
    pass_id String,
    dimension LowCardinality(String),
    scope LowCardinality(String),
    subject String,
    value Nullable(Float64),
    components String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(computed_at)
ORDER BY (dimension, scope, subject, computed_at)
TTL toDateTime(computed_at) + toIntervalDay(400);

-- Each SLO's state at each pass: counts over its window, budget, burn rate per window, alerts.
CREATE TABLE IF NOT EXISTS slo_status
(
    computed_at DateTime64(3, 'UTC'),
    pass_id String,
    slo String,
    service String,
    team LowCardinality(String),
    indicator LowCardinality(String),
    budgeting LowCardinality(String),
    target Float64,
    window_ms UInt64,
    good Float64,
    total Float64,
    attainment Nullable(Float64),
    budget_remaining Nullable(Float64),
    burn_rates Map(LowCardinality(String), Float64),
    firing Array(String),
    alert LowCardinality(String)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(computed_at)
ORDER BY (service, slo, computed_at)
TTL toDateTime(computed_at) + toIntervalDay(400);

-- Good and total events (or time slices) per SLO per closed hour. A pass adds the hours closed
-- since the last pass, so SLO windows of days read a few hundred rows per SLO, not raw minutes.
CREATE TABLE IF NOT EXISTS slo_sli_1h
(
    slo String,
    hour DateTime('UTC'),
    good Float64,
    total Float64,
    computed_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(computed_at)
PARTITION BY toYYYYMM(hour)
ORDER BY (slo, hour)
TTL hour + toIntervalDay(400);

-- Anomalous points found by the online detectors; `detector_version` names the model that scored.
CREATE TABLE IF NOT EXISTS anomalies
(
    ts DateTime64(3, 'UTC'),
    detected_at DateTime64(3, 'UTC'),
    service String,
    name String,
    series_id UInt64,
    labels Map(String, String),
    value Float64,
    expected Nullable(Float64),
    score Float64,
    detector_version LowCardinality(String)
)
ENGINE = ReplacingMergeTree(detected_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (service, name, series_id, ts)
TTL toDateTime(ts) + toIntervalDay(400);

-- Forecasts: one row per future step per pass, with the interval, the chosen model and its
-- backtest error; `kind` is cost or capacity.
CREATE TABLE IF NOT EXISTS forecasts
(
    computed_at DateTime64(3, 'UTC'),
    kind LowCardinality(String),
    subject String,
    metric String,
    ts DateTime64(3, 'UTC'),
    yhat Float64,
    lower Float64,
    upper Float64,
    level Float64,
    model LowCardinality(String),
    model_version LowCardinality(String),
    backtest_mase Nullable(Float64)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(computed_at)
ORDER BY (kind, subject, metric, computed_at, ts)
TTL toDateTime(computed_at) + toIntervalDay(400);

-- Insights: one open insight per (kind, subject); `id` is stable for that pair while it is open,
-- and each update appends a row with a higher version. `started_at` is when the condition began
-- (first anomalous point, first burning window), so detection and restore times can be measured.
CREATE TABLE IF NOT EXISTS insights
(
    id String,
    version UInt64,
    kind LowCardinality(String),
    severity LowCardinality(String),
    status LowCardinality(String),
    subject String,
    service String,
    team LowCardinality(String),
    title String,
    summary String,
    score Float64,
    evidence String CODEC(ZSTD(3)),
    started_at DateTime64(3, 'UTC'),
    opened_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    resolved_at Nullable(DateTime64(3, 'UTC'))
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- Recommendations, each from an insight: what to do, its expected impact and confidence; `held`
-- with a reason when acting now would add risk (a FinOps change on a service burning its budget).
CREATE TABLE IF NOT EXISTS recommendations
(
    id String,
    version UInt64,
    insight_id String,
    type LowCardinality(String),
    status LowCardinality(String),
    subject String,
    service String,
    team LowCardinality(String),
    title String,
    rationale String,
    impact_usd_month Float64,
    impact_risk String,
    confidence Float64,
    held_reason String,
    evidence String CODEC(ZSTD(3)),
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;
