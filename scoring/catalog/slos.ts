import { ConfigError } from '../../core/errors.ts';
import { isTimeZone, zonedTimeToMs } from './calendar-time.ts';
import type { Catalog } from './catalog-types.ts';
import { parseDuration } from './duration.ts';
import { describeIssues, Problems } from './problems.ts';
import {
  AEGIS_METRIC_SOURCE,
  OPENSLO_KINDS,
  openSloEnvelopeSchema,
  type SliSpecInput,
  type SloSpecInput,
  sliSpecSchema,
  sloSpecSchema,
} from './slo-schema.ts';
import type { SloDefinition, SloIndicator, SloMetric, SloObjective, SloWindow } from './slo-types.ts';
import { listYamlFiles, readYamlDocs, type YamlDoc } from './yaml-files.ts';

type Report = (path: PropertyKey[], message: string) => void;

/** A validated document of a kind that is resolved (SLO or SLI). */
interface Parsed<S> {
  name: string;
  displayName: string;
  spec: S;
  doc: YamlDoc;
  report: Report;
}

/**
 * Loads OpenSLO v1 documents from every `*.yaml`/`*.yml` under `dir` and resolves each `SLO` (with
 * its inline `indicator` or referenced `SLI`) into a plain `SloDefinition`. With a `catalog`, each
 * SLO's `spec.service` must be a catalogued service. Every problem is collected and thrown as one
 * `ConfigError` whose lines read `file:line:col: slo:name: field: what is wrong`.
 * @example
 * const slos = loadSlos('slos', loadCatalog('catalog'));
 * slos[0]?.objectives[0]?.target; // 0.999
 */
export function loadSlos(dir: string, catalog?: Catalog): SloDefinition[] {
  const files = listYamlFiles(dir);
  if (files.length === 0) throw new ConfigError(`SLO directory ${dir} holds no *.yaml or *.yml files`);
  const problems = new Problems();
  const slos: Parsed<SloSpecInput>[] = [];
  const slis = new Map<string, Parsed<SliSpecInput>>();
  const seen = new Map<string, YamlDoc>();
  // SLIs already reported as invalid: SLOs referring to them are not reported again.
  const invalidSlis = new Set<string>();
  for (const doc of readYamlDocs(files, problems, documentName)) {
    const entity = documentName(doc.value, doc.index);
    const report: Report = (path, message) =>
      problems.add({ where: doc.locate(path), entity, field: path.join('.'), message });
    const kind = (doc.value as { kind?: unknown } | null)?.kind;
    // Kinds AEGIS does not compute on are accepted as written; only their kind is checked.
    if (typeof kind === 'string' && IGNORED_KINDS.has(kind)) continue;
    const envelope = openSloEnvelopeSchema.safeParse(doc.value, { reportInput: true });
    if (!envelope.success) {
      for (const { path, message } of describeIssues(envelope.error)) report(path, message);
      continue;
    }
    const { metadata } = envelope.data;
    const first = seen.get(entity);
    if (first) {
      report(['metadata', 'name'], `is defined twice; first at ${first.locate(['metadata', 'name'])}`);
      continue;
    }
    seen.set(entity, doc);
    const schema = envelope.data.kind === 'SLO' ? sloSpecSchema : envelope.data.kind === 'SLI' ? sliSpecSchema : null;
    if (!schema) continue;
    const spec = schema.safeParse(envelope.data.spec ?? {}, { reportInput: true });
    if (!spec.success) {
      for (const { path, message } of describeIssues(spec.error)) report(['spec', ...path], message);
      if (envelope.data.kind === 'SLI') invalidSlis.add(metadata.name);
      continue;
    }
    const parsed = { name: metadata.name, displayName: metadata.displayName ?? metadata.name, doc, report };
    if (envelope.data.kind === 'SLO') slos.push({ ...parsed, spec: spec.data as SloSpecInput });
    else slis.set(metadata.name, { ...parsed, spec: spec.data as SliSpecInput });
  }
  const out: SloDefinition[] = [];
  for (const slo of slos) {
    const resolved = resolveSlo(slo, slis, invalidSlis, catalog);
    if (resolved) out.push(resolved);
  }
  problems.throwIfAny(`SLOs in ${dir}`);
  return out;
}

const IGNORED_KINDS = new Set<string>(OPENSLO_KINDS.filter((k) => k !== 'SLO' && k !== 'SLI' && k !== 'Service'));

/** `slo:name` for messages, from whatever the document holds. */
function documentName(raw: unknown, index: number): string {
  const value = raw as { kind?: unknown; metadata?: { name?: unknown } } | null | undefined;
  const kind = typeof value?.kind === 'string' ? value.kind.toLowerCase() : 'document';
  const name = value?.metadata?.name;
  return typeof name === 'string' ? `${kind}:${name}` : `${kind} (document ${index})`;
}

function resolveSlo(
  slo: Parsed<SloSpecInput>,
  slis: Map<string, Parsed<SliSpecInput>>,
  invalidSlis: ReadonlySet<string>,
  catalog: Catalog | undefined,
): SloDefinition | undefined {
  const { spec, report } = slo;
  if (catalog && !catalog.serviceByName(spec.service)) {
    report(['spec', 'service'], `${JSON.stringify(spec.service)} is not a service (Component) in the catalog`);
  }
  let indicator: SloIndicator | undefined;
  if (spec.indicator && spec.indicatorRef !== undefined) {
    report(['spec', 'indicatorRef'], 'give either indicator or indicatorRef, not both');
  } else if (spec.indicator) {
    const { metadata } = spec.indicator;
    const at = { report, base: ['spec', 'indicator', 'spec'] };
    indicator = toIndicator(metadata.name, metadata.displayName, spec.indicator.spec, spec.service, at, catalog);
  } else if (spec.indicatorRef !== undefined) {
    const sli = slis.get(spec.indicatorRef);
    if (!sli) {
      if (!invalidSlis.has(spec.indicatorRef)) {
        report(['spec', 'indicatorRef'], `names SLI ${JSON.stringify(spec.indicatorRef)}, which is not defined`);
      }
    } else {
      const at = { report: sli.report, base: ['spec'] };
      indicator = toIndicator(sli.name, sli.displayName, sli.spec, spec.service, at, catalog);
    }
  } else report(['spec'], 'needs indicator or indicatorRef');

  const window = toWindow(spec.timeWindow[0]!, report);
  const objectives = spec.objectives.map((o, i) =>
    toObjective(o, ['spec', 'objectives', i], spec.budgetingMethod, indicator?.kind, window?.durationMs, report),
  );
  if (!indicator || !window || objectives.some((o) => !o)) return undefined;
  return {
    name: slo.name,
    displayName: slo.displayName,
    description: spec.description ?? '',
    service: spec.service,
    indicator,
    budgeting: spec.budgetingMethod,
    objectives: objectives as SloObjective[],
    window,
    alertPolicies: spec.alertPolicies.map((p) =>
      typeof p === 'string' ? p : 'alertPolicyRef' in p ? String(p.alertPolicyRef) : String(p.metadata.name),
    ),
    source: slo.doc.locate(['metadata', 'name']),
  };
}

function toIndicator(
  name: string,
  displayName: string | undefined,
  spec: SliSpecInput,
  service: string,
  at: { report: Report; base: PropertyKey[] },
  catalog: Catalog | undefined,
): SloIndicator {
  type Source = { metricSourceRef?: string | undefined; type?: string | undefined; spec: Record<string, unknown> };
  const metric = (source: Source, path: PropertyKey[]): SloMetric => {
    if (source.type?.toLowerCase() !== AEGIS_METRIC_SOURCE) {
      return { source: 'external', type: source.type ?? '', ref: source.metricSourceRef ?? null, spec: source.spec };
    }
    // The schema already checked the AEGIS spec's shape.
    const aegis = source.spec as { metric: string; service?: string; labels?: Record<string, string> };
    if (aegis.service && catalog && !catalog.serviceByName(aegis.service)) {
      at.report(
        [...at.base, ...path, 'metricSource', 'spec', 'service'],
        `${JSON.stringify(aegis.service)} is not a service in the catalog`,
      );
    }
    return { source: 'aegis', metric: aegis.metric, service: aegis.service ?? service, labels: aegis.labels ?? {} };
  };
  const head = { name, displayName: displayName ?? name };
  if (spec.thresholdMetric) {
    return { ...head, kind: 'threshold', metric: metric(spec.thresholdMetric.metricSource, ['thresholdMetric']) };
  }
  const ratio = spec.ratioMetric!;
  const counts = ratio.good ? 'good' : 'bad';
  return {
    ...head,
    kind: 'ratio',
    counter: ratio.counter,
    counts,
    numerator: metric((ratio.good ?? ratio.bad)!.metricSource, ['ratioMetric', counts]),
    total: metric(ratio.total!.metricSource, ['ratioMetric', 'total']),
  };
}

function toWindow(tw: SloSpecInput['timeWindow'][number], report: Report): SloWindow | undefined {
  const path = ['spec', 'timeWindow', 0];
  const duration = parseDuration(tw.duration);
  if (typeof duration === 'string') return void report([...path, 'duration'], duration);
  if (tw.isRolling === true) {
    if (tw.calendar) return void report([...path, 'calendar'], 'a rolling window (isRolling: true) takes no calendar');
    return { kind: 'rolling', duration: duration.text, durationMs: duration.ms };
  }
  if (!tw.calendar) {
    return void report(
      [...path, tw.isRolling === false ? 'isRolling' : 'duration'],
      'set isRolling: true for a rolling window, or give calendar: {startTime, timeZone} for a calendar one',
    );
  }
  if (duration.unit === 'm' || duration.unit === 'h') {
    return void report(
      [...path, 'duration'],
      `a calendar window must be whole days, weeks, months, quarters or years (got ${duration.text})`,
    );
  }
  const { startTime, timeZone } = tw.calendar;
  if (!isTimeZone(timeZone)) {
    return void report(
      [...path, 'calendar', 'timeZone'],
      `must be an IANA time zone like "UTC" or "Europe/Berlin" (got ${JSON.stringify(timeZone)})`,
    );
  }
  const startMs = zonedTimeToMs(startTime, timeZone);
  if (typeof startMs === 'string') return void report([...path, 'calendar', 'startTime'], startMs);
  return {
    kind: 'calendar',
    duration: duration.text,
    durationMs: duration.ms,
    count: duration.count,
    unit: duration.unit,
    startTime,
    timeZone,
    startMs,
  };
}

function toObjective(
  o: SloSpecInput['objectives'][number],
  path: PropertyKey[],
  budgeting: SloSpecInput['budgetingMethod'],
  indicatorKind: SloIndicator['kind'] | undefined,
  windowMs: number | undefined,
  report: Report,
): SloObjective | undefined {
  let ok = true;
  const fail = (field: string | null, message: string) => {
    ok = false;
    report(field ? [...path, field] : path, message);
  };
  if (o.indicator !== undefined || o.indicatorRef !== undefined) {
    fail(
      o.indicator !== undefined ? 'indicator' : 'indicatorRef',
      'composite SLOs (an indicator per objective) are not supported',
    );
  }
  if (o.target !== undefined && o.targetPercent !== undefined)
    fail('targetPercent', 'give either target or targetPercent, not both');
  if (o.target === undefined && o.targetPercent === undefined)
    fail(null, 'needs target (0-1) or targetPercent (0-100)');
  if (indicatorKind === 'threshold') {
    if (o.op === undefined) fail('op', 'is required for a thresholdMetric SLI (lt, lte, gt or gte)');
    if (o.value === undefined) fail('value', 'is required for a thresholdMetric SLI');
  } else if (indicatorKind === 'ratio') {
    if (o.op !== undefined) fail('op', 'only applies to thresholdMetric SLIs');
    if (o.value !== undefined) fail('value', 'only applies to thresholdMetric SLIs');
  }
  let sliceMs: number | null = null;
  if (budgeting === 'Occurrences') {
    if (o.timeSliceTarget !== undefined) fail('timeSliceTarget', 'only applies to Timeslices budgeting');
    if (o.timeSliceWindow !== undefined)
      fail('timeSliceWindow', 'only applies to Timeslices and RatioTimeslices budgeting');
  } else {
    if (budgeting === 'Timeslices' && o.timeSliceTarget === undefined)
      fail('timeSliceTarget', 'is required with Timeslices budgeting');
    if (budgeting === 'RatioTimeslices' && o.timeSliceTarget !== undefined)
      fail('timeSliceTarget', 'only applies to Timeslices budgeting');
    if (o.timeSliceWindow === undefined) fail('timeSliceWindow', `is required with ${budgeting} budgeting`);
    else {
      const slice = parseDuration(o.timeSliceWindow);
      if (typeof slice === 'string') fail('timeSliceWindow', slice);
      else if (windowMs !== undefined && slice.ms >= windowMs)
        fail('timeSliceWindow', `must be shorter than the time window (got ${slice.text})`);
      else sliceMs = slice.ms;
    }
  }
  if (!ok) return undefined;
  return {
    displayName: o.displayName ?? '',
    target: o.target ?? Math.round((o.targetPercent as number) * 1e6) / 1e8,
    op: o.op ?? null,
    value: o.value ?? null,
    timeSliceTarget: o.timeSliceTarget ?? null,
    timeSliceWindowMs: sliceMs,
  };
}
