import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { k8sAuditParser } from './k8s-audit.ts';

const formatsDir = path.resolve(import.meta.dirname, '../../../shared/formats');
const falcoDir = path.join(formatsDir, 'k8s-audit', 'falco');
const ctx = { inputName: 'test', extraLabels: { cluster: 'prod-eu' } };

const parseText = (text: string) => k8sAuditParser.parse(Buffer.from(text, 'utf8'), ctx);
const parseJson = (value: unknown) => parseText(JSON.stringify(value));
const parseFile = (name: string) =>
  k8sAuditParser.parse(readFileSync(path.join(falcoDir, name)), {
    inputName: name,
    extraLabels: { cluster: 'minikube' },
  });

const BASE = {
  kind: 'Event',
  apiVersion: 'audit.k8s.io/v1',
  level: 'Metadata',
  auditID: '7e6f1a52-0000-4000-8000-000000000001',
  stage: 'ResponseComplete',
  requestURI: '/api/v1/namespaces/default/pods/p1',
  verb: 'get',
  user: { username: 'alice', groups: ['dev', 'system:authenticated'] },
  sourceIPs: ['10.0.0.1', '10.0.0.2'],
  userAgent: 'kubectl/v1.29.0',
  objectRef: { resource: 'pods', namespace: 'default', name: 'p1', apiVersion: 'v1' },
  responseStatus: { metadata: {}, code: 200 },
  requestReceivedTimestamp: '2024-05-01T12:00:00.000000Z',
  stageTimestamp: '2024-05-01T12:00:00.010000Z',
};
const event = (over: Record<string, unknown> = {}) => ({ ...BASE, ...over });

describe.skipIf(!existsSync(falcoDir))('k8sAuditParser on the falco audit trace files', () => {
  const files = existsSync(falcoDir) ? readdirSync(falcoDir).filter((f) => f.endsWith('.json')) : [];

  // PROVENANCE.md says 46 files; there are 47: 45 one-event files, one with six JSON lines and
  // fal_01_003.json. The 52 events it counts match.
  it('reads 51 of the 52 events in 47 files and rejects the malformed {"kind": 0}', () => {
    expect(files).toHaveLength(47);
    const outcomes = files.map((f) => [f, parseFile(f)] as const);
    const records = outcomes.flatMap(([, o]) => o.records);
    const rejected = outcomes.flatMap(([f, o]) => o.rejected.map((r) => ({ file: f, ...r })));
    expect(records).toHaveLength(51);
    expect(rejected).toEqual([
      { file: 'fal_01_003.json', location: 'line 1', field: 'kind', reason: 'kind must be "Event" (got 0)' },
    ]);
    expect(outcomes.every(([, o]) => Object.keys(o.skipped).length === 0)).toBe(true);
  });

  it('maps exec into a pod as a privileged action by a system:masters user', () => {
    const [exec] = parseFile('exec_pod.json').records;
    expect(exec).toMatchObject({
      ts: Date.parse('2018-10-26T13:38:34.902Z'),
      event_id: 'ca1ed9f4-7bf4-4c85-81a8-1b11253d1ba6',
      origin: 'k8s-audit',
      principal: 'minikube-user',
      principal_type: 'User',
      action: 'k8s:create pods/exec',
      resource: 'default/pods/nginx-deployment-7998647bdf-phvq7',
      result: 'success',
      source_ip: '192.168.99.1',
      mfa: null,
      privileged: true,
      root: true,
      account: 'minikube',
    });
  });

  it('reads the six JSON lines of create_configmap_sensitive_values.json', () => {
    const out = parseFile('create_configmap_sensitive_values.json');
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(6);
    expect(out.records.every((r) => r.action === 'k8s:create configmaps' && !r.privileged)).toBe(true);
  });

  it('maps a pod created by a controller service account as an unprivileged ServiceAccount action', () => {
    const [pod] = parseFile('create_nginx_pod_privileged.json').records;
    expect(pod).toMatchObject({
      principal: 'system:serviceaccount:kube-system:replicaset-controller',
      principal_type: 'ServiceAccount',
      privileged: false,
      root: false,
      source_ip: '::1',
    });
  });

  it('maps RBAC and secret writes as privileged and cluster-scoped objects under _cluster', () => {
    expect(parseFile('create_clusterrolebinding.json').records[0]).toMatchObject({
      resource: '_cluster/clusterrolebindings/some-reader-binding',
      privileged: true,
    });
    expect(parseFile('create_secret.json').records[0]?.privileged).toBe(true);
    expect(parseFile('anonymous_creates_namespace_foo.json').records[0]?.principal_type).toBe('Anonymous');
  });
});

describe('k8sAuditParser on well-formed input', () => {
  it('reads an EventList and names each item', () => {
    const out = parseJson({ kind: 'EventList', items: [event(), event({ auditID: 'b', apiVersion: undefined })] });
    expect(out.rejected).toEqual([]);
    expect(out.records.map((r) => [r.event_id, r.action, r.resource, r.account])).toEqual([
      [BASE.auditID, 'k8s:get pods', 'default/pods/p1', 'prod-eu'],
      ['b', 'k8s:get pods', 'default/pods/p1', 'prod-eu'],
    ]);
  });

  it('counts ResponseComplete, Panic and stageless events and skips earlier stages', () => {
    const lines = [
      event({ auditID: '1', stage: 'RequestReceived', responseStatus: undefined }),
      event({ auditID: '1' }),
      event({ auditID: '2', verb: 'watch', stage: 'ResponseStarted' }),
      event({ auditID: '3', stage: 'Panic', responseStatus: { code: 500 } }),
      event({ auditID: '4', stage: undefined, apiVersion: 'audit.k8s.io/v1beta1' }),
    ];
    const out = parseText(lines.map((l) => JSON.stringify(l)).join('\n'));
    expect(out.records.map((r) => r.event_id)).toEqual(['1', '3', '4']);
    expect(out.skipped).toEqual({
      'stage RequestReceived (counted at ResponseComplete)': 1,
      'stage ResponseStarted (counted at ResponseComplete)': 1,
    });
  });

  it('counts an upgraded exec stream once, at ResponseStarted', () => {
    const exec = { verb: 'create', objectRef: { resource: 'pods', subresource: 'exec', namespace: 'a', name: 'p' } };
    const started = event({ ...exec, stage: 'ResponseStarted', responseStatus: { code: 101 } });
    const completed = event({ ...exec, responseStatus: { code: 101 } });
    const out = parseText(`${JSON.stringify(started)}\n${JSON.stringify(completed)}`);
    expect(out.records).toHaveLength(1);
    expect(out.records[0]).toMatchObject({ action: 'k8s:create pods/exec', privileged: true });
    expect(out.skipped).toEqual({ 'auditID already counted (upgraded stream)': 1 });
  });

  it.each([
    [401, 'denied'],
    [403, 'denied'],
    [404, 'error'],
    [500, 'error'],
  ])('maps response code %i to %s with the code as error_code', (code, result) => {
    expect(parseJson(event({ responseStatus: { code } })).records[0]).toMatchObject({
      result,
      error_code: String(code),
    });
  });

  it('maps a non-resource URL by path, without its query', () => {
    const out = parseJson(event({ objectRef: undefined, requestURI: '/healthz?timeout=32s' }));
    expect(out.records[0]).toMatchObject({ action: 'k8s:get /healthz', resource: '/healthz', error_code: '' });
  });

  it.each([
    ['create', { resource: 'rolebindings', namespace: 'a', name: 'rb' }, {}, true],
    ['patch', { resource: 'secrets', namespace: 'a', name: 's' }, {}, true],
    ['get', { resource: 'secrets', namespace: 'a', name: 's' }, {}, false],
    ['create', { resource: 'pods', subresource: 'portforward', namespace: 'a', name: 'p' }, {}, true],
    ['get', { resource: 'pods', namespace: 'a', name: 'p' }, { impersonatedUser: { username: 'bob' } }, true],
    ['list', { resource: 'clusterroles' }, {}, false],
  ])('decides privileged for %s %j', (verb, objectRef, extra, privileged) => {
    expect(parseJson(event({ verb, objectRef, ...extra })).records[0]?.privileged).toBe(privileged);
  });

  it('falls back to requestReceivedTimestamp and then the v1beta1 timestamp', () => {
    const received = parseJson(event({ stageTimestamp: undefined })).records[0];
    expect(received?.ts).toBe(Date.UTC(2024, 4, 1, 12));
    const legacy = event({
      stageTimestamp: undefined,
      requestReceivedTimestamp: undefined,
      timestamp: '2024-05-02T00:00:00Z',
    });
    expect(parseJson(legacy).records[0]?.ts).toBe(Date.UTC(2024, 4, 2));
  });

  it('keeps an event with a 10 MB request body, which is not stored', () => {
    const out = parseJson(event({ level: 'RequestResponse', requestObject: { data: 'x'.repeat(10 * 1024 * 1024) } }));
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(1);
  });
});

describe('k8sAuditParser on malformed input', () => {
  it.each([
    ['kind', { kind: 0 }, 'kind must be "Event" (got 0)'],
    ['apiVersion', { apiVersion: 'v1' }, 'apiVersion must be audit.k8s.io/v1 or v1beta1 (got "v1")'],
    [
      'responseStatus.code',
      { responseStatus: { code: 'Forbidden' } },
      'must be an HTTP status number (got "Forbidden")',
    ],
    ['stage', { stage: 'Done' }, 'stage must be RequestReceived, ResponseStarted, ResponseComplete or Panic'],
    ['user', { user: undefined }, 'user is missing'],
    ['user.username', { user: { username: 42 } }, 'user.username must be a string (got 42)'],
    ['user.groups', { user: { username: 'a', groups: 'system:masters' } }, 'must be a list of strings'],
    ['auditID', { auditID: undefined }, 'auditID is missing'],
    ['verb', { verb: null }, 'verb is missing'],
    ['sourceIPs', { sourceIPs: '10.0.0.1' }, 'must be a list of strings'],
    ['objectRef', { objectRef: 'pods' }, 'objectRef must be an object'],
    ['objectRef', { objectRef: {}, requestURI: undefined }, 'objectRef.resource and requestURI are both missing'],
  ])('rejects an event with a bad %s', (field, over, reason) => {
    const out = parseText(`${JSON.stringify(event())}\n${JSON.stringify(event(over))}`);
    expect(out.records).toHaveLength(1);
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]).toMatchObject({ location: 'line 2', field });
    expect(out.rejected[0]?.reason).toContain(reason);
  });

  it.each([
    [1714564800, 'stageTimestamp', 'must be a string'],
    ['2024-13-01T00:00:00Z', 'stageTimestamp', 'not an ISO 8601 time'],
    ['1999-12-31T23:59:59Z', 'ts', 'before 2000-01-01'],
    ['2999-01-01T00:00:00Z', 'ts', 'in the future'],
  ])('rejects the stageTimestamp %j', (stageTimestamp, field, reason) => {
    const out = parseJson(event({ stageTimestamp }));
    expect(out.rejected[0]).toMatchObject({ location: 'line 1', field });
    expect(out.rejected[0]?.reason).toContain(reason);
  });

  it('rejects an event with no timestamp at all', () => {
    const out = parseJson(event({ stageTimestamp: undefined, requestReceivedTimestamp: undefined }));
    expect(out.rejected).toMatchObject([{ field: 'stageTimestamp' }]);
  });

  it('rejects a 10 MB username by the principal it would make', () => {
    const out = parseJson(event({ user: { username: 'u'.repeat(10 * 1024 * 1024) } }));
    expect(out.rejected).toMatchObject([{ location: 'line 1', field: 'principal' }]);
  });

  it('rejects a truncated last JSON line and keeps the lines before it', () => {
    const line = JSON.stringify(event());
    const out = parseText(`${line}\n${line.slice(0, 50)}\n`);
    expect(out.records).toHaveLength(1);
    expect(out.rejected).toMatchObject([{ location: 'line 2' }]);
    expect(out.rejected[0]?.reason).toContain('not valid JSON');
  });

  it('refuses a truncated pretty-printed document as a whole', () => {
    const text = JSON.stringify({ kind: 'EventList', items: [event()] }, null, 2);
    expect(parseText(text.slice(0, 100)).rejected).toMatchObject([{ location: 'file' }]);
  });

  it('rejects a JSON line that is not an object', () => {
    expect(parseText('[1]\n"x"').rejected.map((r) => r.location)).toEqual(['line 1 [0]', 'line 2']);
  });

  it('refuses invalid UTF-8 and empty input as a whole', () => {
    expect(k8sAuditParser.parse(Buffer.from([0xff, 0xfe, 0x41]), ctx).rejected).toEqual([
      { location: 'file', reason: 'input is not valid UTF-8' },
    ]);
    expect(parseText('').rejected).toEqual([{ location: 'file', reason: 'input is empty' }]);
  });

  it('never throws, whatever the input', () => {
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.object());
    const mutated = fc
      .record({
        kind: anyValue,
        apiVersion: anyValue,
        stage: fc.oneof(anyValue, fc.constantFrom('ResponseStarted', 'RequestReceived', 'Panic')),
        user: fc.oneof(anyValue, fc.record({ username: anyValue, groups: anyValue })),
        verb: anyValue,
        objectRef: fc.oneof(anyValue, fc.record({ resource: anyValue, subresource: anyValue, namespace: anyValue })),
        responseStatus: fc.oneof(anyValue, fc.record({ code: anyValue })),
        sourceIPs: fc.oneof(anyValue, fc.array(anyValue)),
        stageTimestamp: fc.oneof(
          anyValue,
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
      })
      .map((over) => JSON.stringify(event(over)));
    const input = fc.oneof(
      mutated,
      fc.array(mutated, { maxLength: 4 }).map((lines) => lines.join('\n')),
      fc.json(),
      fc.string(),
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a).toString('latin1')),
    );
    fc.assert(
      fc.property(input, (text) => {
        expect(parseText(text).kind).toBe('access');
      }),
      { numRuns: 300 },
    );
  });
});
