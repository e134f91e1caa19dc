import type { TelemetryKind, TelemetryRecord } from '../../schemas/index.ts';

/** One record that could not be ingested, and why. */
export interface Rejection {
  /** Where in the input: `line 12`, `Records[3]`, `resourceMetrics[0].scopeMetrics[1].metrics[2]`. */
  location: string;
  /** The offending field, when one can be named (`BilledCost`, `value`, `timeUnixNano`). */
  field?: string;
  /** What is wrong, for a human: `value must be finite (not NaN or ±Infinity)`. */
  reason: string;
}

/** The result of parsing one input (a file, a request body, a scrape). */
export interface ParseOutcome<K extends TelemetryKind = TelemetryKind> {
  kind: K;
  /** Records that passed validation, ready to publish. */
  records: TelemetryRecord<K>[];
  rejected: Rejection[];
  /** Input deliberately not turned into records and not an error (e.g. a Prometheus NaN sample
   *  meaning "no observation", a HELP line without samples), counted by reason. */
  skipped: Record<string, number>;
}

/** Where the input came from and what to assume when it does not say. */
export interface ParseContext {
  /** Name of the input for messages: a file path, `POST /v1/metrics`, a scrape URL. */
  inputName: string;
  /** Service to use when the input names none (Prometheus `job`, OTLP without `service.name`). */
  defaultService?: string;
  /** Timestamp for samples without one (Prometheus text without timestamps), epoch ms. */
  nowMs?: number;
  /** Labels added to every point (Prometheus `instance`, `job`). */
  extraLabels?: Record<string, string>;
}

/** A file format AEGIS can read. Parsers never throw on bad input: each bad record is a Rejection,
 *  a wholly unreadable input is one Rejection at `location: 'file'`. */
export interface FormatParser<K extends TelemetryKind = TelemetryKind> {
  /** The `--format` name: `otlp`, `prom`, `focus`, `cloudtrail`, `k8s-audit`. */
  readonly format: string;
  readonly kind: K;
  parse(input: Buffer, ctx: ParseContext): ParseOutcome<K>;
}
