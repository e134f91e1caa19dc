export { dedupToken, type FlushTrigger } from './batch.ts';
export { WRITER_DEADLETTER_SUBJECT } from './dead-letter.ts';
export { type DecodedMessage, decodeTelemetryMessage, TABLES } from './decode.ts';
export { fastMetricRow, METRIC_COLUMNS, metricRow } from './metric-rows.ts';
export { createIngestWriter, type IngestWriter, type IngestWriterDeps, type IngestWriterStats } from './writer.ts';
