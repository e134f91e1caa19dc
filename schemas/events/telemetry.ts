import type { z } from 'zod';
import { accessEventSchema } from './access.ts';
import { costRecordSchema } from './cost.ts';
import { metricPointSchema } from './metric.ts';
import { resourceEventSchema } from './resource.ts';

/** The kinds of telemetry AEGIS ingests; each has a subject family, a schema and a raw table. */
export const telemetryKinds = ['metrics', 'cost', 'access', 'resources'] as const;
export type TelemetryKind = (typeof telemetryKinds)[number];

/** Per-kind record schema. */
export const recordSchemas = {
  metrics: metricPointSchema,
  cost: costRecordSchema,
  access: accessEventSchema,
  resources: resourceEventSchema,
} as const satisfies Record<TelemetryKind, z.ZodType>;

export type TelemetryRecord<K extends TelemetryKind> = z.output<(typeof recordSchemas)[K]>;
export type TelemetryRecordInput<K extends TelemetryKind> = z.input<(typeof recordSchemas)[K]>;

/** CloudEvents `type` of a telemetry batch, e.g. `dev.aegis.telemetry.metrics.v1`. */
export const telemetryEventType = (kind: TelemetryKind): string => `dev.aegis.telemetry.${kind}.v1`;

/** NATS subject of a telemetry batch: `aegis.telemetry.<kind>.<source>`. */
export function telemetrySubject(kind: TelemetryKind, source: string): string {
  return `aegis.telemetry.${kind}.${subjectToken(source)}`;
}

/** Reads the kind back from a subject; undefined when the subject is not a telemetry subject. */
export function kindOfSubject(subject: string): TelemetryKind | undefined {
  if (!subject.startsWith('aegis.telemetry.')) return undefined;
  const kind = subject.split('.')[2];
  return (telemetryKinds as readonly string[]).includes(kind ?? '') ? (kind as TelemetryKind) : undefined;
}

/** A subject token may not hold `.`, `*`, `>` or whitespace. */
export function subjectToken(text: string): string {
  const token = text.replace(/[.*>\s]+/g, '_').slice(0, 64);
  return token.length > 0 ? token : '_';
}

/** `data` of a telemetry batch message: records of one kind, as OTLP exporters batch points. */
export interface TelemetryBatch<K extends TelemetryKind = TelemetryKind> {
  records: TelemetryRecordInput<K>[];
}
