import type { AccessEventInput } from '../../schemas/index.ts';

/** The parts of an access event that vary; the rest is filled in by `accessEvent`. */
export type EventParts = Pick<
  AccessEventInput,
  'principal' | 'principal_type' | 'action' | 'resource' | 'account' | 'region'
> &
  Partial<Pick<AccessEventInput, 'result' | 'error_code' | 'source_ip' | 'user_agent' | 'mfa' | 'privileged' | 'root'>>;

/** A complete access event; `origin` is always `simulator`, whatever source the event imitates. */
export function accessEvent(ts: number, eventId: string, parts: EventParts): AccessEventInput {
  return {
    ts,
    event_id: eventId,
    origin: 'simulator',
    principal: parts.principal,
    principal_type: parts.principal_type ?? '',
    action: parts.action,
    resource: parts.resource ?? '',
    result: parts.result ?? 'success',
    error_code: parts.error_code ?? '',
    source_ip: parts.source_ip ?? '',
    user_agent: parts.user_agent ?? '',
    mfa: parts.mfa ?? null,
    privileged: parts.privileged ?? false,
    root: parts.root ?? false,
    account: parts.account ?? '',
    region: parts.region ?? '',
  };
}

/** Name of the k8s cluster a service's region runs. */
export const clusterName = (region: string) => `prod-${region}`;
