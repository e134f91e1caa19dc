export { dedupToken, type FlushTrigger } from './batch.ts';
export { WRITER_DEADLETTER_SUBJECT } from './dead-letter.ts';
export { type DecodedMessage, decodeTelemetryMessage, TABLE_OF_KIND } from './decode.ts';
export { createIngestWriter, type IngestWriter, type IngestWriterDeps, type IngestWriterStats } from './writer.ts';
