import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloudTrailParser } from './cloudtrail.ts';

const formatsDir = path.resolve(import.meta.dirname, '../../../shared/formats');
const trailDir = path.join(formatsDir, 'cloudtrail');
const ctx = { inputName: 'test' };

const parseText = (text: string) => cloudTrailParser.parse(Buffer.from(text, 'utf8'), ctx);
const parseJson = (value: unknown) => parseText(JSON.stringify(value));
const parseFile = (rel: string) => cloudTrailParser.parse(readFileSync(path.join(trailDir, rel)), { inputName: rel });

const BASE = {
  eventVersion: '1.08',
  userIdentity: { type: 'IAMUser', arn: 'arn:aws:iam::123456789012:user/alice', accountId: '123456789012' },
  eventTime: '2024-05-01T12:00:00Z',
  eventSource: 'iam.amazonaws.com',
  eventName: 'CreateUser',
  awsRegion: 'us-east-1',
  sourceIPAddress: '192.0.2.10',
  userAgent: 'aws-cli/2.13.5',
  requestParameters: { userName: 'bob' },
  eventID: '11111111-2222-3333-4444-555555555555',
  recipientAccountId: '123456789012',
};
const event = (over: Record<string, unknown> = {}) => ({ ...BASE, ...over });

describe.skipIf(!existsSync(trailDir))('cloudTrailParser on published CloudTrail samples', () => {
  const otel = 'opentelemetry-collector-contrib/cloudtrail_log.json';

  it('reads the seven-event Records file as six access events and one skipped Insight event', () => {
    const out = parseFile(otel);
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(6);
    expect(out.skipped).toEqual({ 'CloudTrail Insight event (not an access attempt)': 1 });
  });

  it('maps CreateUser to an IAM write by the calling user', () => {
    const created = parseFile(otel).records.find((r) => r.action === 'iam:CreateUser');
    expect(created).toMatchObject({
      principal: 'arn:aws:iam::123456789012:user/Mary',
      principal_type: 'IAMUser',
      resource: 'arn:aws:iam::123456789012:user/Richard',
      result: 'success',
      mfa: false,
      privileged: true,
      root: false,
      account: '123456789012',
      region: 'us-east-1',
      ts: Date.UTC(2023, 6, 19, 21, 25, 9),
    });
  });

  it('reads MFA from session attributes and from a boolean MFAUsed on console sign-in', () => {
    const records = parseFile(otel).records;
    expect(records.find((r) => r.action === 'sns:Publish')?.mfa).toBe(true);
    expect(records.find((r) => r.action === 'signin:ConsoleLogin')).toMatchObject({ mfa: true, result: 'success' });
  });

  it('maps a TrailNotFoundException as an error that is not a denial', () => {
    const failed = parseFile(otel).records.find((r) => r.action === 'cloudtrail:UpdateTrail');
    expect(failed).toMatchObject({ result: 'error', error_code: 'TrailNotFoundException' });
  });

  it('names a service event without userIdentity.type by its invokedBy', () => {
    const rotate = parseFile(otel).records.find((r) => r.action === 'kms:RotateKey');
    expect(rotate).toMatchObject({ principal: 'AWS Internal', principal_type: '', mfa: null, privileged: false });
    expect(rotate?.resource).toMatch(/^arn:aws:kms:us-west-2:111122223333:key\//);
  });

  it('reads the trailscraper file, including an AssumeRole by an AWS service', () => {
    const out = parseFile('trailscraper/111111111111_CloudTrail_eu-central-1_20171211T1505Z_A6kvhMoVeCsc7v8U.json');
    expect(out.rejected).toEqual([]);
    expect(out.records).toHaveLength(2);
    expect(out.records[1]).toMatchObject({
      action: 'sts:AssumeRole',
      principal: 'config.amazonaws.com',
      principal_type: 'AWSService',
      resource: 'arn:aws:iam::111111111111:role/someRole',
      privileged: false,
    });
  });

  it('reads the one event of the CloudWatch Logs envelope from its JSON-string message', () => {
    const out = parseFile('opentelemetry-collector-contrib/cloudtrail_log_cw.json');
    expect(out.rejected).toEqual([]);
    expect(out.records).toEqual([
      expect.objectContaining({
        action: 's3:PutObject',
        principal: 's3.amazonaws.com',
        resource: 'arn:aws:s3:::elastic-sar-bucket-fe44ff52c91b2efa4bccb8e07c85a202',
        account: '627286350134',
        region: 'eu-west-1',
      }),
    ]);
  });
});

describe('cloudTrailParser on well-formed input', () => {
  it('reads a single event object', () => {
    const out = parseJson(event());
    expect(out.rejected).toEqual([]);
    expect(out.records[0]).toMatchObject({ origin: 'cloudtrail', event_id: BASE.eventID, action: 'iam:CreateUser' });
  });

  it('reads JSON lines of events and of Records files', () => {
    const lines = [JSON.stringify(event()), '', JSON.stringify({ Records: [event({ eventID: 'b' })] })];
    const out = parseText(lines.join('\n'));
    expect(out.rejected).toEqual([]);
    expect(out.records.map((r) => r.event_id)).toEqual([BASE.eventID, 'b']);
  });

  it('skips a CloudWatch Logs control message', () => {
    const out = parseJson({ messageType: 'CONTROL_MESSAGE', logEvents: [{ message: 'CWL CONTROL MESSAGE' }] });
    expect(out).toMatchObject({ records: [], rejected: [], skipped: { 'CloudWatch Logs control message': 1 } });
  });

  it('maps AccessDenied and UnauthorizedOperation codes as denied', () => {
    const out = parseJson({
      Records: [event({ errorCode: 'AccessDenied' }), event({ errorCode: 'Client.UnauthorizedOperation' })],
    });
    expect(out.records.map((r) => [r.result, r.error_code])).toEqual([
      ['denied', 'AccessDenied'],
      ['denied', 'Client.UnauthorizedOperation'],
    ]);
  });

  it('maps a failed console sign-in as denied', () => {
    const login = event({
      eventSource: 'signin.amazonaws.com',
      eventName: 'ConsoleLogin',
      responseElements: { ConsoleLogin: 'Failure' },
      errorMessage: 'Failed authentication',
      additionalEventData: { MFAUsed: 'No' },
    });
    expect(parseJson(login).records[0]).toMatchObject({
      result: 'denied',
      error_code: 'Failed authentication',
      mfa: false,
    });
  });

  it('marks any root action as root and privileged', () => {
    const root = event({
      userIdentity: { type: 'Root', arn: 'arn:aws:iam::123456789012:root' },
      eventSource: 's3.amazonaws.com',
      eventName: 'ListBuckets',
    });
    expect(parseJson(root).records[0]).toMatchObject({
      root: true,
      privileged: true,
      resource: 'arn:aws:iam::123456789012:user/bob',
    });
  });

  it('marks AssumeRole into an admin-looking role as privileged, and a plain one as not', () => {
    const assume = (roleArn: string) =>
      parseJson(event({ eventSource: 'sts.amazonaws.com', eventName: 'AssumeRole', requestParameters: { roleArn } }))
        .records[0];
    expect(assume('arn:aws:iam::123456789012:role/OrgAdmin')?.privileged).toBe(true);
    expect(assume('arn:aws:iam::123456789012:role/reader')?.privileged).toBe(false);
  });

  it('takes the resource from requestParameters.bucketName when resources is absent', () => {
    const put = event({
      eventSource: 's3.amazonaws.com',
      eventName: 'PutBucketPolicy',
      requestParameters: { bucketName: 'b1' },
    });
    expect(parseJson(put).records[0]).toMatchObject({ resource: 'arn:aws:s3:::b1', privileged: false });
  });

  it('clips a 10 MB user agent instead of losing the access event', () => {
    const out = parseJson(event({ userAgent: 'u'.repeat(10 * 1024 * 1024) }));
    expect(out.rejected).toEqual([]);
    expect(out.records[0]?.user_agent).toHaveLength(1024);
  });
});

describe('cloudTrailParser on malformed input', () => {
  it('refuses a truncated Records file as a whole', () => {
    const text = JSON.stringify({ Records: [event(), event()] }, null, 2);
    const out = parseText(text.slice(0, text.length / 2));
    expect(out.records).toEqual([]);
    expect(out.rejected).toHaveLength(1);
    expect(out.rejected[0]).toMatchObject({ location: 'file' });
    expect(out.rejected[0]?.reason).toContain('not valid JSON');
  });

  it('rejects a truncated last JSON line and keeps the lines before it', () => {
    const line = JSON.stringify(event());
    const out = parseText(`${line}\n${line}\n${line.slice(0, 40)}`);
    expect(out.records).toHaveLength(2);
    expect(out.rejected).toMatchObject([{ location: 'line 3' }]);
  });

  it('rejects a userIdentity.type that is not a string, naming the record and field', () => {
    const out = parseJson({ Records: [event(), event({ userIdentity: { type: 7, arn: 'arn:x' } })] });
    expect(out.records).toHaveLength(1);
    expect(out.rejected).toEqual([
      { location: 'Records[1]', field: 'userIdentity.type', reason: 'userIdentity.type must be a string (got 7)' },
    ]);
  });

  it.each([
    [1714564800000, 'eventTime', 'must be a string'],
    ['yesterday', 'eventTime', 'not an ISO 8601 time'],
    ['2024-02-30T00:00:00Z', 'eventTime', 'not an ISO 8601 time'],
    ['-000001-01-01T00:00:00Z', 'ts', 'before 2000-01-01'],
    ['9999-01-01T00:00:00Z', 'ts', 'in the future'],
  ])('rejects the eventTime %j', (eventTime, field, reason) => {
    const out = parseJson(event({ eventTime }));
    expect(out.rejected[0]).toMatchObject({ location: 'line 1', field });
    expect(out.rejected[0]?.reason).toContain(reason);
  });

  it.each([
    ['eventID', { eventID: undefined }],
    ['eventSource', { eventSource: 42 }],
    ['eventName', { eventName: '' }],
    ['userIdentity', { userIdentity: 'root' }],
    ['userIdentity', { userIdentity: {} }],
    ['resources', { resources: 'arn:aws:s3:::b' }],
  ])('rejects an event with a bad %s', (field, over) => {
    const out = parseJson({ Records: [event(over)] });
    expect(out.rejected).toMatchObject([{ location: 'Records[0]', field }]);
  });

  it('rejects a 10 MB event name by the action it would make', () => {
    const out = parseJson(event({ eventName: 'x'.repeat(10 * 1024 * 1024) }));
    expect(out.records).toEqual([]);
    expect(out.rejected).toMatchObject([{ location: 'line 1', field: 'action' }]);
  });

  it('rejects a Records value that is not an array, and an event that is not an object', () => {
    expect(parseJson({ Records: {} }).rejected).toMatchObject([{ location: 'file', field: 'Records' }]);
    expect(parseJson({ Records: ['x'] }).rejected).toMatchObject([{ location: 'Records[0]' }]);
  });

  it('rejects an envelope message that is not JSON and an unknown messageType', () => {
    const bad = parseJson({ messageType: 'DATA_MESSAGE', logEvents: [{ message: '{"eventTime":' }] });
    expect(bad.rejected).toMatchObject([{ location: 'logEvents[0]', field: 'message' }]);
    expect(parseJson({ messageType: 'OTHER' }).rejected).toMatchObject([{ location: 'file', field: 'messageType' }]);
  });

  it('refuses invalid UTF-8 and empty input as a whole', () => {
    expect(cloudTrailParser.parse(Buffer.from([0xff, 0xfe, 0x41]), ctx).rejected).toEqual([
      { location: 'file', reason: 'input is not valid UTF-8' },
    ]);
    expect(parseText(' \n').rejected).toEqual([{ location: 'file', reason: 'input is empty' }]);
  });

  it('never throws, whatever the input', () => {
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.object());
    const mutated = fc
      .record({
        userIdentity: fc.oneof(anyValue, fc.record({ type: anyValue, arn: anyValue, sessionContext: anyValue })),
        eventTime: fc.oneof(
          anyValue,
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        ),
        eventSource: anyValue,
        eventName: anyValue,
        eventID: anyValue,
        errorCode: anyValue,
        resources: fc.oneof(anyValue, fc.array(anyValue)),
        requestParameters: anyValue,
        additionalEventData: anyValue,
        responseElements: anyValue,
      })
      .map((over) => JSON.stringify({ Records: [event(over)] }));
    const input = fc.oneof(
      mutated,
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
