import { cloudTrailParser } from './cloudtrail.ts';
import { focusCsvParser } from './focus.ts';
import { k8sAuditParser } from './k8s-audit.ts';
import { otlpJsonParser } from './otlp.ts';
import { prometheusTextParser } from './prometheus.ts';
import type { FormatParser } from './types.ts';

export { parseOtlpMetricsJson } from './otlp.ts';
export { parsePrometheusText } from './prometheus.ts';
export type { FormatParser, ParseContext, ParseOutcome, Rejection } from './types.ts';

/** Every file format `aegis ingest --format` reads, by its name. */
export const PARSERS: Readonly<Record<string, FormatParser>> = {
  otlp: otlpJsonParser,
  prom: prometheusTextParser,
  focus: focusCsvParser,
  cloudtrail: cloudTrailParser,
  'k8s-audit': k8sAuditParser,
};

/** The `--format` names. */
export const FORMAT_NAMES = Object.keys(PARSERS);
