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
import type { FormatParser, ParseContext, ParseOutcome } from './types.ts';
import { acceptRecord, emptyOutcome, skip } from './validate.ts';

const AUDIT_API_VERSION = /^audit\.k8s\.io\/v1(alpha1|beta1)?$/;
const ISO_TIME = /^\d{4}-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
// The user agent is chosen by the client: clip it rather than let a long one hide the attempt.
const MAX_USER_AGENT = 1024;

// Privileged = the request runs code in a workload, changes RBAC, writes secrets or impersonates.
const SHELL_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);
const RBAC_RESOURCES = new Set(['clusterroles', 'roles', 'clusterrolebindings', 'rolebindings']);
const RBAC_WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection', 'escalate', 'bind']);
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** An optional list of strings (`sourceIPs`, `user.groups`). */
function optStrings(obj: Json, key: string, path = key): string[] {
  const v = obj[key] ?? [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) {
    throw new FieldProblem(path, `${path} must be a list of strings (got ${shown(v)})`);
  }
  return v;
}

/** The event time: stageTimestamp, else requestReceivedTimestamp, else the v1beta1 `timestamp`.
 *  Date.parse alone accepts `"1"` and rolls 30 Feb into March, hence the pattern and day check. */
function eventTimeMs(event: Json): number {
  const field = ['stageTimestamp', 'requestReceivedTimestamp', 'timestamp'].find((k) => optString(event, k));
  if (!field)
    throw new FieldProblem('stageTimestamp', 'stageTimestamp, requestReceivedTimestamp and timestamp are all missing');
  const text = String(event[field]);
  const m = ISO_TIME.exec(text);
  const ms = m ? Date.parse(text) : Number.NaN;
  const day = new Date(Date.UTC(2000, Number(m?.[1]) - 1, Number(m?.[2]))).getUTCDate();
  if (!m || Number.isNaN(ms) || day !== Number(m[2])) {
    throw new FieldProblem(field, `${field} is not an ISO 8601 time (got ${shown(text)})`);
  }
  return ms;
}

/** The HTTP status the API server answered with; absent means the stage carried none. */
function statusCode(event: Json): number | undefined {
  const status = optObject(event, 'responseStatus');
  const code = status?.code;
  if (code === undefined || code === null) return undefined;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 100 || code > 599) {
    throw new FieldProblem(
      'responseStatus.code',
      `responseStatus.code must be an HTTP status number (got ${shown(code)})`,
    );
  }
  return code;
}

function resultOf(code: number | undefined): Pick<AccessEventInput, 'result' | 'error_code'> {
  if (code === undefined || code < 400) return { result: 'success', error_code: '' };
  return { result: code === 401 || code === 403 ? 'denied' : 'error', error_code: String(code) };
}

function principalType(username: string): string {
  if (username.startsWith('system:serviceaccount:')) return 'ServiceAccount';
  return username === 'system:anonymous' ? 'Anonymous' : 'User';
}

/** What was attempted on what: `k8s:create pods/exec` on `default/pods/nginx`, or for a
 *  non-resource URL `k8s:get /healthz` (query dropped to keep the action set small). */
function target(event: Json, verb: string): { action: string; resource: string; sub: string; kind: string } {
  const ref = optObject(event, 'objectRef');
  const kind = ref ? (optString(ref, 'resource', 'objectRef.resource') ?? '') : '';
  if (ref && kind) {
    const sub = optString(ref, 'subresource', 'objectRef.subresource') ?? '';
    const namespace = optString(ref, 'namespace', 'objectRef.namespace') || '_cluster';
    const name = optString(ref, 'name', 'objectRef.name') ?? '';
    return {
      action: `k8s:${verb} ${kind}${sub ? `/${sub}` : ''}`,
      resource: `${namespace}/${kind}/${name}`,
      sub,
      kind,
    };
  }
  const uri = optString(event, 'requestURI');
  if (!uri) throw new FieldProblem('objectRef', 'objectRef.resource and requestURI are both missing');
  const path = uri.split('?')[0] ?? uri;
  return { action: `k8s:${verb} ${path}`, resource: path, sub: '', kind: '' };
}

function isPrivileged(verb: string, kind: string, sub: string, event: Json): boolean {
  return (
    SHELL_SUBRESOURCES.has(sub) ||
    (RBAC_RESOURCES.has(kind) && RBAC_WRITE_VERBS.has(verb)) ||
    (kind === 'secrets' && sub === '' && WRITE_VERBS.has(verb)) ||
    verb === 'impersonate' ||
    isObject(event.impersonatedUser)
  );
}

/** Maps one audit event onto the access schema (validation of the result is zod's job). */
function toAccessEvent(event: Json, ctx: ParseContext): AccessEventInput {
  const user = optObject(event, 'user');
  if (!user) throw new FieldProblem('user', 'user is missing');
  const username = reqString(user, 'username', 'user.username');
  const verb = reqString(event, 'verb');
  const { action, resource, sub, kind } = target(event, verb);
  const code = statusCode(event);
  return {
    ts: eventTimeMs(event),
    event_id: reqString(event, 'auditID'),
    origin: 'k8s-audit',
    principal: username,
    principal_type: principalType(username),
    action,
    resource,
    ...resultOf(code),
    source_ip: optStrings(event, 'sourceIPs')[0] ?? '',
    user_agent: (optString(event, 'userAgent') ?? '').slice(0, MAX_USER_AGENT),
    mfa: null,
    privileged: isPrivileged(verb, kind, sub, event),
    root: optStrings(user, 'groups', 'user.groups').includes('system:masters'),
    account: ctx.extraLabels?.cluster ?? '',
    region: '',
  };
}

/** Why an event of this stage is not counted, or undefined when it is an access event.
 *  RequestReceived and ResponseStarted precede a ResponseComplete for the same request and would
 *  double count it. The exception is a 101 ResponseStarted (exec, attach, portforward upgrades):
 *  its ResponseComplete comes only when the stream closes, so the attempt is counted on start and
 *  a later event with the same auditID is skipped as a duplicate. */
function stageSkipReason(event: Json, code: number | undefined): string | undefined {
  const stage = optString(event, 'stage');
  if (stage === undefined || stage === 'ResponseComplete' || stage === 'Panic') return undefined;
  if (stage === 'ResponseStarted' && code === 101) return undefined;
  if (stage === 'RequestReceived' || stage === 'ResponseStarted') return `stage ${stage} (counted at ResponseComplete)`;
  throw new FieldProblem(
    'stage',
    `stage must be RequestReceived, ResponseStarted, ResponseComplete or Panic (got ${shown(stage)})`,
  );
}

/** Rejects values that are not audit events before mapping (`{"kind": 0}`, a Pod manifest). */
function checkEnvelope(event: Json): void {
  if (event.kind !== undefined && event.kind !== 'Event') {
    throw new FieldProblem('kind', `kind must be "Event" (got ${shown(event.kind)})`);
  }
  if (event.apiVersion !== undefined && !AUDIT_API_VERSION.test(String(event.apiVersion))) {
    throw new FieldProblem(
      'apiVersion',
      `apiVersion must be audit.k8s.io/v1 or v1beta1 (got ${shown(event.apiVersion)})`,
    );
  }
}

/** Validates one event, skipping stages that would double count and repeated auditIDs. */
function acceptEvent(outcome: ParseOutcome<'access'>, item: Located, ctx: ParseContext, seen: Set<string>): void {
  const { value, location } = item;
  if (!isObject(value)) {
    outcome.rejected.push({ location, reason: `an audit event must be a JSON object (got ${shown(value)})` });
    return;
  }
  try {
    checkEnvelope(value);
    const reason = stageSkipReason(value, statusCode(value));
    if (reason) {
      skip(outcome, reason);
      return;
    }
    const record = toAccessEvent(value, ctx);
    if (seen.has(record.event_id)) {
      skip(outcome, 'auditID already counted (upgraded stream)');
      return;
    }
    if (acceptRecord(outcome, record, location)) seen.add(record.event_id);
  } catch (err) {
    if (!(err instanceof FieldProblem)) throw err;
    outcome.rejected.push({ location, field: err.field, reason: err.reason });
  }
}

/** Unwraps one JSON value: an `EventList`, an array, or a single event. */
function unwrap(value: unknown, location: string, out: Located[]): void {
  if (isObject(value) && value.kind === 'EventList' && Array.isArray(value.items)) {
    value.items.forEach((v, i) => {
      out.push({ value: v, location: `${location}items[${i}]` });
    });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push({ value: v, location: `${location}[${i}]` });
    });
  } else {
    out.push({ value, location: location.trim() || 'line 1' });
  }
}

/** Reads Kubernetes API-server audit events (audit.k8s.io v1/v1beta1, or no apiVersion) as JSON
 *  lines, a single event or an EventList. The cluster name comes from `ctx.extraLabels.cluster`. */
export const k8sAuditParser: FormatParser<'access'> = {
  format: 'k8s-audit',
  kind: 'access',
  parse(input, ctx) {
    const outcome = emptyOutcome('access');
    const text = readText(input, outcome);
    if (text === undefined) return outcome;
    const events: Located[] = [];
    // Sub-locations are appended to the line's: `line 3 items[2]`.
    readJsonValues(text, outcome, (value, location) => unwrap(value, location ? `${location} ` : '', events));
    const seen = new Set<string>();
    for (const event of events) acceptEvent(outcome, event, ctx, seen);
    return outcome;
  },
};
