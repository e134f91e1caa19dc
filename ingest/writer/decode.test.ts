import { describe, expect, it } from 'vitest';
import { createEnvelope, telemetryEventType } from '../../schemas/index.ts';
import { type DecodedMessage, decodeTelemetryMessage, type MessageRejection } from './decode.ts';
import { METRIC_COLUMNS } from './metric-rows.ts';

const TS = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const encoder = new TextEncoder();

const bytes = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));
const message = (records: unknown, kind = 'metrics'): Uint8Array =>
  bytes(createEnvelope({ id: 'msg-1', source: 'test', type: `dev.aegis.telemetry.${kind}.v1`, data: { records } }));

function decoded(result: DecodedMessage | MessageRejection): DecodedMessage {
  if ('reason' in result) throw new Error(`expected a decoded message, got rejection: ${result.reason}`);
  return result;
}
function rejection(result: DecodedMessage | MessageRejection): string {
  if (!('reason' in result)) throw new Error('expected a whole-message rejection');
  return result.reason;
}

const point = (over: Record<string, unknown> = {}) => ({
  ts: TS,
  service: 'checkout',
  name: 'http_requests_total',
  kind: 'counter',
  value: 3,
  labels: { code: '200' },
  unit: '1',
  ...over,
});

describe('decodeTelemetryMessage', () => {
  describe('whole-message rejections', () => {
    it('refuses a body that is not JSON', () => {
      const reason = rejection(decodeTelemetryMessage('aegis.telemetry.metrics.prom', encoder.encode('{nope'), 1));
      expect(reason).toMatch(/^message is not UTF-8 JSON: /);
    });

    it('refuses invalid UTF-8 bytes instead of replacing them', () => {
      const data = Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]); // {"a":"\xff\xfe"}
      const reason = rejection(decodeTelemetryMessage('aegis.telemetry.metrics.prom', data, 1));
      expect(reason).toMatch(/^message is not UTF-8 JSON: /);
    });

    it('refuses JSON that is not a CloudEvents envelope, naming the field', () => {
      const reason = rejection(decodeTelemetryMessage('aegis.telemetry.metrics.prom', bytes({ records: [] }), 1));
      expect(reason).toMatch(/^not a CloudEvents 1\.0 envelope: specversion /);
    });

    it('refuses an envelope with a wrong specversion', () => {
      const env = { ...createEnvelope({ id: 'x', source: 's', type: 't', data: { records: [] } }), specversion: '0.3' };
      const reason = rejection(decodeTelemetryMessage('aegis.telemetry.metrics.prom', bytes(env), 1));
      expect(reason).toContain('specversion');
      expect(reason).toContain('"1.0"');
    });

    it('refuses an envelope without a data member, naming data', () => {
      const { data: _data, ...env } = createEnvelope({ id: 'x', source: 's', type: 't', data: { records: [] } });
      const reason = rejection(decodeTelemetryMessage('aegis.telemetry.metrics.prom', bytes(env), 1));
      expect(reason).toMatch(/^not a CloudEvents 1\.0 envelope: data /);
    });

    it.each([
      ['null data', null],
      ['data without records', {}],
      ['records that are not an array', { records: { 0: {} } }],
      ['data that is a string', 'records'],
    ])('refuses an envelope with %s', (_label, data) => {
      const env = createEnvelope({ id: 'x', source: 's', type: telemetryEventType('metrics'), data });
      const reason = rejection(decodeTelemetryMessage('aegis.telemetry.metrics.prom', bytes(env), 1));
      expect(reason).toBe('data.records must be an array of records');
    });

    it.each([
      'aegis.events.metrics.prom',
      'other.telemetry.metrics.prom',
      'aegis.telemetry.logs.prom',
      'aegis.telemetry',
      '',
    ])('refuses subject %j, which is not a telemetry subject', (subject) => {
      const reason = rejection(decodeTelemetryMessage(subject, message([point()]), 1));
      expect(reason).toBe(`subject ${subject} is not aegis.telemetry.<metrics|cost|access|resources>.<source>`);
    });
  });

  describe('metrics', () => {
    it('turns good records into rows and names records[i] and the field of the bad ones', () => {
      const records = [
        point(),
        point({ value: 'three' }),
        point({ ts: undefined }),
        point({ kind: 'bogus', name: 'second_good_is_next' }),
        point({ name: 'second', labels: undefined, unit: undefined }),
        point({ labels: { code: 200 } }),
        'not a record',
      ];
      const out = decoded(decodeTelemetryMessage('aegis.telemetry.metrics.prom', message(records), 77));
      expect(out.kind).toBe('metrics');
      expect(out.source).toBe('prom');
      expect(out.rows.map((r) => JSON.parse(r))).toEqual([
        [TS, 'checkout', 'http_requests_total', 'counter', 3, { code: '200' }, '1', 'prom', 77],
        [TS, 'checkout', 'second', 'counter', 3, {}, '', 'prom', 77],
      ]);
      expect(out.rejected.map(({ location, field }) => ({ location, field }))).toEqual([
        { location: 'records[1]', field: 'value' },
        { location: 'records[2]', field: 'ts' },
        { location: 'records[3]', field: 'kind' },
        { location: 'records[5]', field: 'labels.code' },
        { location: 'records[6]', field: undefined },
      ]);
      for (const r of out.rejected) {
        expect(r.reason.length).toBeGreaterThan(0);
        if (r.field) expect(r.reason.startsWith(`${r.field} `)).toBe(true);
      }
      expect(out.rejected[0]?.record).toEqual(records[1]);
      expect(out.rejected[4]?.record).toBe('not a record');
    });

    it('rows have the columns of METRIC_COLUMNS', () => {
      const out = decoded(decodeTelemetryMessage('aegis.telemetry.metrics.prom', message([point()]), 5));
      const row = JSON.parse(out.rows[0] as string) as unknown[];
      expect(Object.fromEntries(METRIC_COLUMNS.map((c, i) => [c, row[i]]))).toEqual({
        ...point(),
        source: 'prom',
        _seq: 5,
      });
    });

    it('stores a record the fast path leaves to zod (a __proto__ label) as zod parses it', () => {
      const body = `{"specversion":"1.0","id":"x","source":"s","type":"t","data":{"records":[{"ts":${TS},"service":"s","name":"n","kind":"gauge","value":1,"labels":{"a":"b","__proto__":"x"}}]}}`;
      const out = decoded(decodeTelemetryMessage('aegis.telemetry.metrics.prom', encoder.encode(body), 9));
      expect(out.rejected).toEqual([]);
      expect(out.rows).toEqual([`[${TS},"s","n","gauge",1,{"a":"b"},"","prom",9]`]);
    });

    it('accepts an empty records array as a message with no rows', () => {
      const out = decoded(decodeTelemetryMessage('aegis.telemetry.metrics.prom', message([]), 1));
      expect(out).toEqual({ kind: 'metrics', source: 'prom', rows: [], rejected: [] });
    });
  });

  describe('other kinds', () => {
    it('turns cost records into JSONEachRow rows with defaults, source and _seq', () => {
      const cost = { ChargePeriodStart: TS, ChargePeriodEnd: TS + 3_600_000, BilledCost: 1.25, ServiceName: 'EC2' };
      const bad = { ChargePeriodStart: TS, ChargePeriodEnd: TS - 1, BilledCost: 1 };
      const out = decoded(decodeTelemetryMessage('aegis.telemetry.cost.aws-cur', message([cost, bad], 'cost'), 12));
      expect(out.kind).toBe('cost');
      expect(out.rows).toHaveLength(1);
      const row = JSON.parse(out.rows[0] as string) as Record<string, unknown>;
      expect(row).toMatchObject({ ...cost, EffectiveCost: null, Tags: {}, Extra: {}, source: 'aws-cur', _seq: 12 });
      expect(out.rejected).toMatchObject([{ location: 'records[1]', field: 'ChargePeriodEnd' }]);
    });

    it('turns access records into JSONEachRow rows with source and _seq', () => {
      const access = {
        ts: TS,
        event_id: 'e-1',
        origin: 'cloudtrail',
        principal: 'arn:aws:iam::1:user/alice',
        action: 'iam:CreateUser',
        result: 'success',
      };
      const out = decoded(
        decodeTelemetryMessage(
          'aegis.telemetry.access.trail',
          message([access, { ...access, result: 'maybe' }], 'access'),
          3,
        ),
      );
      expect(out.rows.map((r) => JSON.parse(r))).toEqual([
        expect.objectContaining({ ...access, mfa: null, privileged: false, root: false, source: 'trail', _seq: 3 }),
      ]);
      expect(out.rejected).toMatchObject([{ location: 'records[1]', field: 'result' }]);
    });

    it('turns resources records into JSONEachRow rows with source and _seq', () => {
      const resource = {
        ts: TS,
        resource_id: 'i-1',
        resource_type: 'ec2:instance',
        state: 'running',
        cpu_utilization: 0.5,
      };
      const out = decoded(
        decodeTelemetryMessage(
          'aegis.telemetry.resources.inventory',
          message([{ ...resource, cpu_utilization: 1.5 }, resource], 'resources'),
          4,
        ),
      );
      expect(out.rows.map((r) => JSON.parse(r))).toEqual([
        expect.objectContaining({ ...resource, tags: {}, hourly_cost: null, source: 'inventory', _seq: 4 }),
      ]);
      expect(out.rejected).toMatchObject([{ location: 'records[0]', field: 'cpu_utilization' }]);
    });
  });

  describe('source', () => {
    it.each([
      ['aegis.telemetry.metrics.prom', 'prom'],
      ['aegis.telemetry.metrics.otlp-gateway', 'otlp-gateway'],
      ['aegis.telemetry.metrics.a.b', 'a.b'],
      ['aegis.telemetry.metrics', 'unknown'],
    ])('takes the source of %s from the subject: %j', (subject, source) => {
      const out = decoded(decodeTelemetryMessage(subject, message([point()]), 1));
      expect(out.source).toBe(source);
      expect((JSON.parse(out.rows[0] as string) as unknown[])[7]).toBe(source);
    });

    it('ignores the envelope source in favour of the subject', () => {
      const env = createEnvelope({ id: 'x', source: 'envelope-src', type: 't', data: { records: [point()] } });
      const out = decoded(decodeTelemetryMessage('aegis.telemetry.metrics.subject-src', bytes(env), 1));
      expect(out.source).toBe('subject-src');
    });
  });
});
