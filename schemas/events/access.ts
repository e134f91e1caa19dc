import { z } from 'zod';
import { name, optText, timestampMs } from './common.ts';

/** Where an access event was read from. */
export const accessOrigins = ['cloudtrail', 'k8s-audit', 'simulator'] as const;
/** Outcome of the attempted action. */
export const accessResults = ['success', 'denied', 'error'] as const;

/** One attempt by a principal to do something to a resource (CloudTrail record, k8s audit event). */
export const accessEventSchema = z.object({
  ts: timestampMs,
  /** The source's own event id (CloudTrail `eventID`, k8s `auditID`), for deduplication and evidence. */
  event_id: name(256),
  origin: z.enum(accessOrigins),
  /** Who acted: an ARN, a k8s username, a service account. */
  principal: name(1024),
  /** `Root`, `IAMUser`, `AssumedRole`, `AWSService`, `ServiceAccount`, `User`, `Anonymous` … */
  principal_type: optText(64),
  /** What was attempted: `iam:CreateUser`, `k8s:create pods/exec`. */
  action: name(512),
  /** What it was attempted on: an ARN, `namespace/resource/name`; '' when the source does not say. */
  resource: optText(2048),
  result: z.enum(accessResults),
  /** The source's error code (`AccessDenied`, HTTP 403 …), '' on success. */
  error_code: optText(256),
  source_ip: optText(64),
  user_agent: optText(1024),
  /** Whether the session was MFA-authenticated; null when the source does not say. */
  mfa: z.boolean().nullable().default(null),
  /** The action grants, escalates or uses elevated privilege (IAM writes, RBAC bindings, exec). */
  privileged: z.boolean().default(false),
  /** The principal is the account root (CloudTrail `Root`) or a cluster-admin equivalent. */
  root: z.boolean().default(false),
  /** AWS account id or k8s cluster name. */
  account: optText(256),
  region: optText(64),
});
export type AccessEvent = z.output<typeof accessEventSchema>;
export type AccessEventInput = z.input<typeof accessEventSchema>;
