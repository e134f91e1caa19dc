-- Actions, event-sourced (control/actions): one row per thing that happened to an action, never
-- updated. The current state of an action is its row with the highest seq; replaying the `state`
-- column in seq order must follow the lifecycle (control/actions/lifecycle.ts).
--
-- `event` is what happened (proposed, decided, vote, escalated, held, dry_run, started, step,
-- succeeded, failed, verified, rolled_back, expired, cancelled); `state` the action's state after
-- it; `data` its details as JSON (the proposal, the policy decision, a vote, an executor's answer);
-- `audit_seq` the audit_log record that attests it.
CREATE TABLE IF NOT EXISTS action_events
(
    action_id String,
    seq UInt32,
    ts DateTime64(3, 'UTC'),
    event LowCardinality(String),
    state LowCardinality(String),
    type LowCardinality(String),
    service String,
    team LowCardinality(String),
    target String,
    actor String,
    data String CODEC(ZSTD(3)),
    audit_seq UInt64
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (action_id, seq);

-- The actions a controller has to look at again (pending approval, approved, executing) are found by
-- state without reading every action's history.
ALTER TABLE action_events ADD INDEX IF NOT EXISTS action_events_state state TYPE set(16) GRANULARITY 4;
