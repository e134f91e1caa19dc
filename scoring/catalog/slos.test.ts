import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { loadCatalog } from './catalog.ts';
import type { Catalog } from './catalog-types.ts';
import { loadSlos } from './slos.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes `files` (path → text) under a fresh temporary directory and returns it. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-slos-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function catalog(): Catalog {
  return loadCatalog(
    tree({
      'c.yaml': `apiVersion: backstage.io/v1alpha1
kind: Group
metadata: { name: payments }
spec: { type: team, children: [] }
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: payments-api }
spec: { type: service, lifecycle: production, owner: payments }
`,
    }),
  );
}

function failure(dir: string, withCatalog?: Catalog): string {
  try {
    loadSlos(dir, withCatalog);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected the SLOs to be rejected');
}

const AVAILABILITY = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: payments-api-availability
  displayName: Payments API availability
spec:
  description: Requests that succeed
  service: payments-api
  indicator:
    metadata:
      name: payments-api-errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: aegis
            spec:
              metric: http_request_errors_total
        total:
          metricSource:
            type: aegis
            spec:
              metric: http_requests_total
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Requests succeed
      target: 0.999
  alertPolicies: [payments-fast-burn]
`;
const LATENCY = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: payments-api-latency
spec:
  service: payments-api
  indicatorRef: payments-api-p99
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - displayName: p99 under 300 ms
      op: lte
      value: 0.3
      target: 0.99
      timeSliceTarget: 0.95
      timeSliceWindow: 1m
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: payments-api-p99
spec:
  thresholdMetric:
    metricSource:
      type: aegis
      spec:
        metric: http_request_duration_seconds
        labels:
          quantile: "0.99"
`;

describe('loadSlos', () => {
  it('resolves a ratio SLO with an inline indicator and a threshold SLO with an SLI ref', () => {
    const slos = loadSlos(tree({ 'availability.yaml': AVAILABILITY, 'latency/payments.yml': LATENCY }), catalog());
    expect(slos.map((s) => s.name)).toEqual(['payments-api-availability', 'payments-api-latency']);
    const [availability, latency] = slos;
    expect(availability).toMatchObject({
      displayName: 'Payments API availability',
      description: 'Requests that succeed',
      service: 'payments-api',
      indicator: {
        name: 'payments-api-errors',
        kind: 'ratio',
        counter: true,
        counts: 'bad',
        numerator: { source: 'aegis', metric: 'http_request_errors_total', service: 'payments-api', labels: {} },
        total: { source: 'aegis', metric: 'http_requests_total', service: 'payments-api', labels: {} },
      },
      budgeting: 'Occurrences',
      objectives: [
        {
          displayName: 'Requests succeed',
          target: 0.999,
          op: null,
          value: null,
          timeSliceTarget: null,
          timeSliceWindowMs: null,
        },
      ],
      window: { kind: 'rolling', duration: '28d', durationMs: 28 * 86_400_000 },
      alertPolicies: ['payments-fast-burn'],
    });
    expect(availability?.source).toMatch(/availability\.yaml:4:3$/);
    expect(latency).toMatchObject({
      indicator: {
        name: 'payments-api-p99',
        kind: 'threshold',
        metric: { source: 'aegis', metric: 'http_request_duration_seconds', labels: { quantile: '0.99' } },
      },
      budgeting: 'Timeslices',
      objectives: [{ target: 0.99, op: 'lte', value: 0.3, timeSliceTarget: 0.95, timeSliceWindowMs: 60_000 }],
    });
  });

  it('converts targetPercent and lets a metric source name another service', () => {
    const text = AVAILABILITY.replace('target: 0.999', 'targetPercent: 99.95').replace(
      '              metric: http_requests_total',
      '              metric: http_requests_total\n              service: edge-gateway',
    );
    const [slo] = loadSlos(tree({ 'a.yaml': text }));
    expect(slo?.objectives[0]?.target).toBe(0.9995);
    expect(slo?.indicator).toMatchObject({
      total: { service: 'edge-gateway' },
      numerator: { service: 'payments-api' },
    });
  });

  it('loads OpenSLO documents in the shape of the spec examples', () => {
    // Adapted from the OpenSLO v1 README: SLI with Prometheus sources, calendar and rolling
    // windows, Timeslices, and Service/DataSource/AlertPolicy documents AEGIS ignores.
    const dir = tree({
      'openslo.yaml': `apiVersion: openslo/v1
kind: Service
metadata:
  name: my-rad-service
  displayName: My Rad Service
spec:
  description: This is a great description of an even better service.
---
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: thanos
  displayName: Thanos
spec:
  type: Prometheus
  connectionDetails:
    url: http://thanos-query:9090
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: AlertPolicy
  displayName: Alert Policy
spec:
  description: Alert policy for cpu usage breaches, notifies on-call devops via email
  alertWhenBreaching: true
  alertWhenResolved: false
  conditions:
    - conditionRef: cpu-usage-breach
  notificationTargets:
    - targetRef: OnCallDevopsMailNotification
---
apiVersion: openslo/v1
kind: SLI
metadata:
  name: foo-error
  displayName: Foo Error
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        metricSourceRef: thanos
        type: Prometheus
        spec:
          query: http_requests_total{status_code="200"}
    total:
      metricSource:
        metricSourceRef: thanos
        type: Prometheus
        spec:
          query: http_requests_total{}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: foo-slo
  displayName: Foo SLO
spec:
  service: foo
  indicatorRef: foo-error
  budgetingMethod: Occurrences
  objectives:
    - displayName: Foo Total Errors
      target: 0.98
  timeWindow:
    - duration: 28d
      isRolling: true
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: web-availability
  displayName: SLO for web availability
spec:
  description: X% of search requests are successful
  service: web
  indicator:
    metadata:
      name: web-successful-requests-ratio
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests{k8s_cluster="prod",component="web",code=~"2xx|4xx"})
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests{k8s_cluster="prod",component="web"})
  timeWindow:
    - duration: 1w
      isRolling: false
      calendar:
        startTime: 2022-01-01 12:00:00
        timeZone: America/New_York
  budgetingMethod: Timeslices
  objectives:
    - displayName: Good
      target: 0.995
      timeSliceTarget: 0.95
      timeSliceWindow: 1m
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: annotator-latency
spec:
  service: annotator
  indicator:
    metadata:
      name: annotator-latency
    spec:
      thresholdMetric:
        metricSource:
          metricSourceRef: datadog-datasource
          type: Datadog
          spec:
            query: avg:trace.http.request.duration{service:annotator}
  timeWindow:
    - duration: 1M
      calendar:
        startTime: 2022-01-01 00:00:00
        timeZone: UTC
  budgetingMethod: Occurrences
  objectives:
    - displayName: Good
      op: lte
      value: 2000
      target: 0.98
`,
    });
    const slos = loadSlos(dir);
    expect(slos.map((s) => s.name)).toEqual(['foo-slo', 'web-availability', 'annotator-latency']);
    expect(slos[0]?.indicator).toMatchObject({
      kind: 'ratio',
      counts: 'good',
      numerator: {
        source: 'external',
        type: 'Prometheus',
        ref: 'thanos',
        spec: { query: 'http_requests_total{status_code="200"}' },
      },
    });
    // 12:00 in New York in January is 17:00 UTC.
    expect(slos[1]?.window).toEqual({
      kind: 'calendar',
      duration: '1w',
      durationMs: 7 * 86_400_000,
      count: 1,
      unit: 'w',
      startTime: '2022-01-01 12:00:00',
      timeZone: 'America/New_York',
      startMs: Date.UTC(2022, 0, 1, 17),
    });
    expect(slos[2]?.window).toMatchObject({ kind: 'calendar', unit: 'M', startMs: Date.UTC(2022, 0, 1) });
    expect(slos[2]?.objectives[0]).toMatchObject({ op: 'lte', value: 2000, target: 0.98 });
  });

  it.each([
    {
      what: 'an objective target of 1.5',
      text: AVAILABILITY.replace('target: 0.999', 'target: 1.5'),
      line: 31,
      entity: 'slo:payments-api-availability',
      field: 'spec.objectives.0.target',
      says: 'target must be > 0 and < 1 (got 1.5)',
    },
    {
      what: 'both good and bad',
      text: AVAILABILITY.replace(
        '  timeWindow:',
        '        good:\n          metricSource:\n            type: aegis\n            spec:\n              metric: ok_total\n  timeWindow:',
      ),
      line: 15,
      entity: 'slo:payments-api-availability',
      field: 'spec.indicator.spec.ratioMetric.bad',
      says: 'give either good or bad, not both',
    },
    {
      what: 'an unknown budgetingMethod',
      text: AVAILABILITY.replace('budgetingMethod: Occurrences', 'budgetingMethod: Occurences'),
      line: 28,
      entity: 'slo:payments-api-availability',
      field: 'spec.budgetingMethod',
      says: 'must be one of "Occurrences", "Timeslices", "RatioTimeslices" (got "Occurences")',
    },
    {
      what: 'a misspelt key',
      text: AVAILABILITY.replace('budgetingMethod: Occurrences', 'budgetingMethd: Occurrences'),
      line: 28,
      entity: 'slo:payments-api-availability',
      field: 'spec.budgetingMethd',
      says: 'is not a known field',
    },
    {
      what: 'Timeslices without timeSliceWindow',
      text: LATENCY.replace('      timeSliceWindow: 1m\n', ''),
      line: 13,
      entity: 'slo:payments-api-latency',
      field: 'spec.objectives.0.timeSliceWindow',
      says: 'is required with Timeslices budgeting',
    },
    {
      what: 'a bad duration 28x',
      text: AVAILABILITY.replace('duration: 28d', 'duration: 28x'),
      line: 26,
      entity: 'slo:payments-api-availability',
      field: 'spec.timeWindow.0.duration',
      says: 'must be a duration like 5m, 1h, 28d, 1w, 1M, 1Q or 1Y',
    },
    {
      what: 'a threshold objective without op',
      text: LATENCY.replace('      op: lte\n', ''),
      line: 13,
      entity: 'slo:payments-api-latency',
      field: 'spec.objectives.0.op',
      says: 'is required for a thresholdMetric SLI',
    },
    {
      what: 'an op on a ratio SLI',
      text: AVAILABILITY.replace('      target: 0.999', '      target: 0.999\n      op: lt'),
      line: 32,
      entity: 'slo:payments-api-availability',
      field: 'spec.objectives.0.op',
      says: 'only applies to thresholdMetric SLIs',
    },
    {
      what: 'a rolling window with a calendar',
      text: AVAILABILITY.replace(
        '      isRolling: true',
        '      isRolling: true\n      calendar:\n        startTime: 2024-01-01 00:00:00\n        timeZone: UTC',
      ),
      line: 28,
      entity: 'slo:payments-api-availability',
      field: 'spec.timeWindow.0.calendar',
      says: 'a rolling window (isRolling: true) takes no calendar',
    },
    {
      what: 'both target and targetPercent',
      text: AVAILABILITY.replace('      target: 0.999', '      target: 0.999\n      targetPercent: 99.9'),
      line: 32,
      entity: 'slo:payments-api-availability',
      field: 'spec.objectives.0.targetPercent',
      says: 'give either target or targetPercent, not both',
    },
    {
      what: 'a timeSliceWindow with Occurrences budgeting',
      text: AVAILABILITY.replace('      target: 0.999', '      target: 0.999\n      timeSliceWindow: 5m'),
      line: 32,
      entity: 'slo:payments-api-availability',
      field: 'spec.objectives.0.timeSliceWindow',
      says: 'only applies to Timeslices and RatioTimeslices budgeting',
    },
    {
      what: 'a calendar window in hours',
      text: AVAILABILITY.replace('duration: 28d', 'duration: 12h').replace(
        '      isRolling: true',
        '      isRolling: false\n      calendar:\n        startTime: 2024-01-01\n        timeZone: UTC',
      ),
      line: 26,
      entity: 'slo:payments-api-availability',
      field: 'spec.timeWindow.0.duration',
      says: 'a calendar window must be whole days, weeks, months, quarters or years (got 12h)',
    },
    {
      what: 'an indicatorRef to a missing SLI',
      text: LATENCY.replace('indicatorRef: payments-api-p99', 'indicatorRef: payments-api-p95'),
      line: 7,
      entity: 'slo:payments-api-latency',
      field: 'spec.indicatorRef',
      says: 'names SLI "payments-api-p95", which is not defined',
    },
    {
      what: 'an unquoted label value in an SLI',
      text: LATENCY.replace('quantile: "0.99"', 'quantile: 0.99'),
      line: 31,
      entity: 'sli:payments-api-p99',
      field: 'spec.thresholdMetric.metricSource.spec.labels.quantile',
      says: 'label values must be strings; quote it in YAML ("0.99")',
    },
    {
      what: 'an unknown time zone',
      text: AVAILABILITY.replace(
        '      isRolling: true',
        '      calendar:\n        startTime: 2024-01-01 00:00:00\n        timeZone: Mars/Olympus',
      ),
      line: 29,
      entity: 'slo:payments-api-availability',
      field: 'spec.timeWindow.0.calendar.timeZone',
      says: 'must be an IANA time zone',
    },
    {
      what: 'a YAML syntax error',
      text: AVAILABILITY.replace('    - duration: 28d', '    - duration: "28d'),
      line: 26,
      entity: 'slo:payments-api-availability',
      field: 'spec.timeWindow.0.duration',
      says: 'YAML syntax error',
    },
  ])('rejects $what, naming file, line, SLO and field', ({ text, line, entity, field, says }) => {
    const dir = tree({ 'slo.yaml': text });
    const message = failure(dir);
    expect(message, message).toContain(`${join(dir, 'slo.yaml')}:${line}:`);
    expect(message, message).toContain(`${entity}: ${field}: ${says}`);
  });

  it('rejects an SLO for a service that is not in the catalog, only when given a catalog', () => {
    const dir = tree({ 'slo.yaml': AVAILABILITY.replace('service: payments-api', 'service: payments-apii') });
    expect(loadSlos(dir)).toHaveLength(1);
    const message = failure(dir, catalog());
    expect(message, message).toContain(
      `${join(dir, 'slo.yaml')}:8:3: slo:payments-api-availability: spec.service: "payments-apii" is not a service (Component) in the catalog`,
    );
  });

  it('reports a problem in an SLI once, however many SLOs use it', () => {
    const second = LATENCY.split('---\n')[0]!.replace('name: payments-api-latency', 'name: payments-api-latency-2');
    const dir = tree({ 'slo.yaml': `${LATENCY.replace('quantile: "0.99"', 'quantile: 0.99')}---\n${second}` });
    const message = failure(dir);
    expect(message, message).toMatch(/\(1 problem\)/);
    expect(message, message).toContain('sli:payments-api-p99: spec.thresholdMetric.metricSource.spec.labels.quantile');
  });

  it('rejects two SLOs with the same name', () => {
    const dir = tree({ 'a.yaml': AVAILABILITY, 'b.yaml': AVAILABILITY });
    expect(failure(dir)).toContain(
      `${join(dir, 'b.yaml')}:4:3: slo:payments-api-availability: metadata.name: is defined twice; first at ${join(dir, 'a.yaml')}:4:3`,
    );
  });
});
