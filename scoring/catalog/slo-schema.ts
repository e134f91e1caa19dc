import { z } from 'zod';

/** OpenSLO v1 documents as zod schemas. Unlike the catalog these are strict: the OpenSLO spec is
 *  closed, and a misspelt optional key (`budgetingMethd`) would otherwise silently change an SLO.
 *
 *  How a `metricSource` addresses AEGIS metrics: `type: aegis` (any case) and a `spec` of
 *  `metric` (the metric name as ingested, e.g. `http_requests_total`), optional `labels` (exact
 *  string matches, e.g. `{ quantile: "0.99" }`) and optional `service` (defaults to the SLO's
 *  `spec.service`). Other types (`Prometheus`, `Datadog`…) and `metricSourceRef` load as
 *  external metrics that AEGIS keeps but cannot compute. */

/** The OpenSLO API version AEGIS reads. */
export const OPENSLO_API_VERSION = 'openslo/v1';
/** OpenSLO kinds: SLO and SLI are resolved, Service is accepted, the rest accepted and ignored. */
export const OPENSLO_KINDS = [
  'SLO',
  'SLI',
  'Service',
  'AlertPolicy',
  'AlertCondition',
  'AlertNotificationTarget',
  'DataSource',
] as const;
/** Budgeting methods of OpenSLO v1. */
export const BUDGETING_METHODS = ['Occurrences', 'Timeslices', 'RatioTimeslices'] as const;
/** Comparison operators of threshold objectives. */
export const THRESHOLD_OPS = ['lt', 'lte', 'gt', 'gte'] as const;
/** The `metricSource.type` that addresses AEGIS's own metrics (compared case-insensitively). */
export const AEGIS_METRIC_SOURCE = 'aegis';

// RFC 1123 label, as OpenSLO requires of names.
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
// Prometheus metric and label names, which AEGIS metrics follow.
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** An OpenSLO `metadata.name`: lower-case RFC 1123 label, at most 63 characters. */
export const openSloNameSchema = z.string().refine((s) => DNS_LABEL_RE.test(s), {
  error: (i) => `must be a lower-case RFC 1123 name of at most 63 characters (got ${JSON.stringify(i.input)})`,
});

const metadataSchema = z.strictObject({
  name: openSloNameSchema,
  displayName: z.string().optional(),
  labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** `spec` of an AEGIS metric source. */
export const aegisMetricSpecSchema = z.strictObject({
  metric: z.string().refine((s) => METRIC_NAME_RE.test(s), {
    error: (i) => `must be a metric name like http_requests_total (got ${JSON.stringify(i.input)})`,
  }),
  service: openSloNameSchema.optional(),
  labels: z
    .record(
      z.string().refine((s) => LABEL_NAME_RE.test(s), {
        error: (i) => `label name must match [a-zA-Z_][a-zA-Z0-9_]* (got ${JSON.stringify(i.input)})`,
      }),
      // Label values are matched as strings; an unquoted 0.99 would be a YAML number.
      z.string({ error: (i) => `label values must be strings; quote it in YAML ("${String(i.input)}")` }),
    )
    .default({}),
});

const metricSourceSchema = z
  .strictObject({
    metricSourceRef: z.string().min(1).optional(),
    type: z.string().min(1).optional(),
    spec: z.record(z.string(), z.unknown()).default({}),
  })
  .superRefine((source, ctx) => {
    if (!source.type && !source.metricSourceRef) {
      ctx.addIssue({ code: 'custom', path: ['type'], message: 'is required (or give metricSourceRef)' });
    }
    if (source.type?.toLowerCase() !== AEGIS_METRIC_SOURCE) return;
    const spec = aegisMetricSpecSchema.safeParse(source.spec, { reportInput: true });
    if (spec.success) return;
    for (const issue of spec.error.issues) ctx.addIssue({ ...issue, path: ['spec', ...issue.path] } as never);
  });

const metricSchema = z.strictObject({ metricSource: metricSourceSchema });

/** `spec.ratioMetric` of an SLI: good or bad events over total. */
export const ratioMetricSchema = z
  .strictObject({
    counter: z.boolean(),
    good: metricSchema.optional(),
    bad: metricSchema.optional(),
    total: metricSchema.optional(),
    raw: metricSchema.optional(),
    rawType: z.enum(['success', 'failure']).optional(),
  })
  .superRefine((r, ctx) => {
    const add = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    if (r.raw || r.rawType)
      add([r.raw ? 'raw' : 'rawType'], 'precomputed raw ratios are not supported; give good or bad with total');
    else if (r.good && r.bad) add(['bad'], 'give either good or bad, not both');
    else if (!r.good && !r.bad) add([], 'needs good or bad (with total)');
    if (!r.raw && !r.total) add(['total'], 'is required with good or bad');
  });

/** `spec.thresholdMetric` of an SLI: one value compared with each objective's `op`/`value`. */
export const thresholdMetricSchema = metricSchema;

/** The `spec` of an SLI, inline or standalone: exactly one of ratioMetric and thresholdMetric. */
export const sliSpecSchema = z
  .strictObject({
    description: z.string().optional(),
    ratioMetric: ratioMetricSchema.optional(),
    thresholdMetric: thresholdMetricSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.ratioMetric && s.thresholdMetric) {
      ctx.addIssue({
        code: 'custom',
        path: ['thresholdMetric'],
        message: 'give either ratioMetric or thresholdMetric, not both',
      });
    } else if (!s.ratioMetric && !s.thresholdMetric) {
      ctx.addIssue({ code: 'custom', path: [], message: 'needs ratioMetric or thresholdMetric' });
    }
  });

const inlineSliSchema = z.strictObject({
  apiVersion: z.literal(OPENSLO_API_VERSION).optional(),
  kind: z.literal('SLI').optional(),
  metadata: metadataSchema,
  spec: sliSpecSchema,
});

const timeWindowSchema = z.strictObject({
  // Parsed after the schema, so the message can say which units exist.
  duration: z.string(),
  isRolling: z.boolean().optional(),
  calendar: z.strictObject({ startTime: z.string(), timeZone: z.string() }).optional(),
});

const fraction = (key: string, lowOpen: boolean, highOpen: boolean, max = 1) =>
  z.number().refine((n) => (lowOpen ? n > 0 : n >= 0) && (highOpen ? n < max : n <= max), {
    error: (i) =>
      `${key} must be ${lowOpen ? '>' : '>='} 0 and ${highOpen ? '<' : '<='} ${max} (got ${String(i.input)})`,
  });

const objectiveSchema = z.strictObject({
  displayName: z.string().optional(),
  op: z.enum(THRESHOLD_OPS).optional(),
  value: z.number().optional(),
  target: fraction('target', true, true).optional(),
  targetPercent: fraction('targetPercent', true, true, 100).optional(),
  timeSliceTarget: fraction('timeSliceTarget', true, false).optional(),
  timeSliceWindow: z.union([z.string(), z.number()]).optional(),
  indicator: z.unknown().optional(),
  indicatorRef: z.string().optional(),
  compositeWeight: z.number().positive().optional(),
});
/** One validated objective, before cross-field checks. */
export type ObjectiveInput = z.output<typeof objectiveSchema>;

const alertPolicyEntrySchema = z.union([
  z.string(),
  z.looseObject({ alertPolicyRef: z.string() }),
  z.looseObject({ kind: z.literal('AlertPolicy').optional(), metadata: z.looseObject({ name: z.string() }) }),
]);

/** `spec` of an SLO. `timeWindow` is a one-item list in OpenSLO; a bare mapping is accepted too. */
export const sloSpecSchema = z.strictObject({
  description: z.string().max(1050, { error: 'must be at most 1050 characters' }).optional(),
  service: openSloNameSchema,
  indicator: inlineSliSchema.optional(),
  indicatorRef: z.string().optional(),
  timeWindow: z.preprocess(
    (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? [v] : v),
    z.array(timeWindowSchema).length(1, { error: 'must hold exactly one window' }),
  ),
  budgetingMethod: z.enum(BUDGETING_METHODS),
  objectives: z.array(objectiveSchema).min(1, { error: 'must hold at least one objective' }),
  alertPolicies: z.array(alertPolicyEntrySchema).default([]),
});
/** A validated SLO spec, before cross-field checks. */
export type SloSpecInput = z.output<typeof sloSpecSchema>;
/** A validated SLI spec. */
export type SliSpecInput = z.output<typeof sliSpecSchema>;

/** The envelope every OpenSLO document shares; `spec` is checked per kind afterwards. */
export const openSloEnvelopeSchema = z.strictObject({
  apiVersion: z.literal(OPENSLO_API_VERSION),
  kind: z.enum(OPENSLO_KINDS),
  metadata: metadataSchema,
  spec: z.record(z.string(), z.unknown()).optional(),
});
