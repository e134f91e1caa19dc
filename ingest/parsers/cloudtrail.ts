import type { AccessEventInput } from '../../schemas/index.ts';
import {
  FieldProblem,
  isObject,
  type Json,
  type Located,
  optObject,
  optString,
  readJsonValues,
  readText,
  reqString,
  shown,
} from './json-input.ts';
import type { FormatParser, ParseOutcome } from './types.ts';
import { acceptRecord, emptyOutcome, skip } from './validate.ts';

const ISO_TIME = /^[+-]?\d{4,6}-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const DENIED_CODE = /AccessDenied|Unauthorized|Forbidden/i;
// The user agent is chosen by the caller: clip it rather than let a long one hide the attempt.
const MAX_USER_AGENT = 1024;

// Privileged = the action can change who may do what. Kept small on purpose:
// IAM/STS/KMS/Organizations writes, AssumeRole into an admin-looking role, and anything root does.
const PRIVILEGED_SERVICES = new Set(['iam', 'sts', 'kms', 'organizations']);
const WRITE_VERB = /^(Create|Put|Attach|Delete|Update)/;
const ADMIN_NAME = /admin|root|poweruser|fullaccess|owner/i;

/** Where requestParameters name the target when `resources` is absent, as an ARN where we can. */
const RESOURCE_HINTS: [key: string, toArn: (value: string, account: string) => string][] = [
  ['roleArn', (v) => v],
  ['policyArn', (v) => v],
  ['topicArn', (v) => v],
  ['userName', (v, a) => `arn:aws:iam::${a}:user/${v}`],
  ['roleName', (v, a) => `arn:aws:iam::${a}:role/${v}`],
  ['groupName', (v, a) => `arn:aws:iam::${a}:group/${v}`],
  ['bucketName', (v) => `arn:aws:s3:::${v}`],
];

/** Reads an ISO 8601 time strictly: Date.parse alone accepts `"1"` and rolls 30 Feb into March. */
function isoTimeMs(text: string, field: string): number {
  const m = ISO_TIME.exec(text);
  const ms = m ? Date.parse(text) : Number.NaN;
  const day = new Date(Date.UTC(2000, Number(m?.[1]) - 1, Number(m?.[2]))).getUTCDate();
  if (!m || Number.isNaN(ms) || day !== Number(m[2])) {
    throw new FieldProblem(field, `${field} is not an ISO 8601 time (got ${shown(text)})`);
  }
  return ms;
}

/** MFA as CloudTrail reports it: session attributes ("true"/"false") or, for console sign-in,
 *  additionalEventData.MFAUsed ("Yes"/"No", sometimes a JSON boolean). Anything else: unknown. */
function mfaOf(identity: Json, event: Json): boolean | null {
  const session = isObject(identity.sessionContext) ? identity.sessionContext : {};
  const attrs = isObject(session.attributes) ? session.attributes : {};
  const fromSession = String(attrs.mfaAuthenticated ?? '').toLowerCase();
  if (fromSession === 'true' || fromSession === 'false') return fromSession === 'true';
  const extra = isObject(event.additionalEventData) ? event.additionalEventData : {};
  const used = String(extra.MFAUsed ?? '').toLowerCase();
  if (used === 'yes' || used === 'true') return true;
  if (used === 'no' || used === 'false') return false;
  return null;
}

/** The resource acted on: the first `resources[].ARN`, else a best effort from requestParameters. */
function resourceOf(event: Json, account: string): string {
  const resources = event.resources;
  if (resources !== undefined && resources !== null && !Array.isArray(resources)) {
    throw new FieldProblem('resources', `resources must be an array (got ${shown(resources)})`);
  }
  const withArn = (resources ?? []).find((r) => isObject(r) && typeof r.ARN === 'string');
  if (isObject(withArn)) return String(withArn.ARN);
  const params = isObject(event.requestParameters) ? event.requestParameters : {};
  for (const [key, toArn] of RESOURCE_HINTS) {
    const v = params[key];
    if (typeof v === 'string' && v !== '') return toArn(v, account);
  }
  return '';
}

/** success, denied or error, and the code to keep. ConsoleLogin failures carry no errorCode. */
function resultOf(event: Json): Pick<AccessEventInput, 'result' | 'error_code'> {
  const errorCode = optString(event, 'errorCode');
  if (errorCode) return { result: DENIED_CODE.test(errorCode) ? 'denied' : 'error', error_code: errorCode };
  const response = isObject(event.responseElements) ? event.responseElements : {};
  if (response.ConsoleLogin === 'Failure') {
    const message = typeof event.errorMessage === 'string' ? event.errorMessage : 'ConsoleLogin Failure';
    return { result: 'denied', error_code: message.slice(0, 256) };
  }
  return { result: 'success', error_code: '' };
}

/** Maps one CloudTrail event onto the access schema (validation of the result is zod's job). */
function toAccessEvent(event: Json): AccessEventInput {
  const identity = optObject(event, 'userIdentity') ?? {};
  const type = optString(identity, 'type', 'userIdentity.type') ?? '';
  const principal =
    optString(identity, 'arn', 'userIdentity.arn') ||
    optString(identity, 'principalId', 'userIdentity.principalId') ||
    optString(identity, 'invokedBy', 'userIdentity.invokedBy') ||
    type;
  if (!principal) throw new FieldProblem('userIdentity', 'userIdentity names no arn, principalId, invokedBy or type');
  const service = reqString(event, 'eventSource').replace(/\.amazonaws\.com$/, '');
  const eventName = reqString(event, 'eventName');
  const account =
    optString(event, 'recipientAccountId') ?? optString(identity, 'accountId', 'userIdentity.accountId') ?? '';
  const resource = resourceOf(event, account);
  const root = type === 'Root';
  const params = isObject(event.requestParameters) ? event.requestParameters : {};
  const assumesAdmin = eventName.startsWith('AssumeRole') && ADMIN_NAME.test(String(params.roleArn ?? resource));
  return {
    ts: isoTimeMs(reqString(event, 'eventTime'), 'eventTime'),
    event_id: reqString(event, 'eventID'),
    origin: 'cloudtrail',
    principal,
    principal_type: type,
    action: `${service}:${eventName}`,
    resource,
    ...resultOf(event),
    source_ip: optString(event, 'sourceIPAddress') ?? '',
    user_agent: (optString(event, 'userAgent') ?? '').slice(0, MAX_USER_AGENT),
    mfa: mfaOf(identity, event),
    privileged: root || assumesAdmin || (PRIVILEGED_SERVICES.has(service) && WRITE_VERB.test(eventName)),
    root,
    account,
    region: optString(event, 'awsRegion') ?? '',
  };
}

/** Validates one event; Insight events are summaries of API rates, not access attempts. */
function acceptEvent(outcome: ParseOutcome<'access'>, { value, location }: Located): void {
  if (!isObject(value)) {
    outcome.rejected.push({ location, reason: `a CloudTrail event must be a JSON object (got ${shown(value)})` });
    return;
  }
  if (value.eventCategory === 'Insight' || value.eventType === 'AwsCloudTrailInsight') {
    skip(outcome, 'CloudTrail Insight event (not an access attempt)');
    return;
  }
  try {
    acceptRecord(outcome, toAccessEvent(value), location);
  } catch (err) {
    if (!(err instanceof FieldProblem)) throw err;
    outcome.rejected.push({ location, field: err.field, reason: err.reason });
  }
}

/** Unwraps one JSON value into events: a `Records` file, a CloudWatch Logs envelope, an array, or
 *  a single event. Envelope messages are JSON strings and are decoded here. */
function unwrap(value: unknown, location: string, outcome: ParseOutcome<'access'>, out: Located[]): void {
  const at = (suffix: string) => (location ? `${location} ${suffix}` : suffix);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push({ value: v, location: at(`[${i}]`) });
    });
  } else if (isObject(value) && 'Records' in value) {
    if (!Array.isArray(value.Records)) {
      outcome.rejected.push({ location: location || 'file', field: 'Records', reason: 'Records must be an array' });
      return;
    }
    value.Records.forEach((v, i) => {
      out.push({ value: v, location: at(`Records[${i}]`) });
    });
  } else if (isObject(value) && 'messageType' in value) {
    unwrapEnvelope(value, location, outcome, out);
  } else {
    out.push({ value, location: location || 'line 1' });
  }
}

/** A CloudWatch Logs subscription envelope: DATA_MESSAGE carries events, CONTROL_MESSAGE is a probe. */
function unwrapEnvelope(envelope: Json, location: string, outcome: ParseOutcome<'access'>, out: Located[]): void {
  const where = location || 'file';
  if (envelope.messageType === 'CONTROL_MESSAGE') {
    skip(outcome, 'CloudWatch Logs control message');
    return;
  }
  if (envelope.messageType !== 'DATA_MESSAGE' || !Array.isArray(envelope.logEvents)) {
    const reason = `not a CloudWatch Logs DATA_MESSAGE with logEvents (messageType ${shown(envelope.messageType)})`;
    outcome.rejected.push({ location: where, field: 'messageType', reason });
    return;
  }
  envelope.logEvents.forEach((logEvent, i) => {
    const at = location ? `${location} logEvents[${i}]` : `logEvents[${i}]`;
    const message = isObject(logEvent) ? logEvent.message : undefined;
    try {
      if (typeof message !== 'string') throw new Error(`must be a JSON string (got ${shown(message)})`);
      out.push({ value: JSON.parse(message), location: at });
    } catch (err) {
      outcome.rejected.push({ location: at, field: 'message', reason: `message ${(err as Error).message}` });
    }
  });
}

/** Reads AWS CloudTrail events: `{"Records":[…]}` files, single events, JSON lines and CloudWatch
 *  Logs subscription envelopes. */
export const cloudTrailParser: FormatParser<'access'> = {
  format: 'cloudtrail',
  kind: 'access',
  parse(input) {
    const outcome = emptyOutcome('access');
    const text = readText(input, outcome);
    if (text === undefined) return outcome;
    const events: Located[] = [];
    readJsonValues(text, outcome, (value, location) => unwrap(value, location, outcome, events));
    for (const event of events) acceptEvent(outcome, event);
    return outcome;
  },
};
