import type { AccessEventInput } from '../../schemas/index.ts';
import { accessEvent, clusterName, type EventParts } from './access-event.ts';
import { riskyEvents } from './access-risky.ts';
import type { Resource, Service, Team } from './catalog-types.ts';
import { type AccessWindow, canonicalPrincipal } from './changes.ts';
import { HOUR_MS, loadFactor, workFactor } from './load.ts';
import type { Model } from './model.ts';
import { createRandom, hashInts, hashUuid, type Random } from './random.ts';

const STREAM = 0xacce55;

/** The everyday trickle of one hour: workloads reading their secrets, buckets and config maps,
 *  deploys in office hours, engineers looking around (with MFA), now and then a denial. */
function hourEvents(model: Model, hour: number): AccessEventInput[] {
  const seed = model.config.seed;
  const rnd = createRandom(hashInts(seed, STREAM, hour));
  const startMs = hour * HOUR_MS;
  const out: AccessEventInput[] = [];
  let n = 0;
  const push = (ts: number, parts: EventParts): void => {
    out.push(accessEvent(ts, hashUuid(seed, STREAM, hour, n++), parts));
  };
  const office = workFactor(startMs) === 1;
  const resourcesOf = groupResources(model.catalog.resources);
  for (const s of model.catalog.services) {
    const own = resourcesOf.get(s.name) ?? [];
    const count = rnd.poisson(1.2 * loadFactor(startMs + HOUR_MS / 2, s.profile.phaseHours));
    for (let i = 0; i < count; i++) push(startMs + rnd.int(0, HOUR_MS - 1), workloadEvent(s, own, model, rnd));
    // About one deploy per service per working day.
    if (office && rnd.chance(0.1)) {
      const t0 = startMs + rnd.int(0, 55 * 60_000);
      const steps = deployEvents(s, own, model, rnd);
      for (const [i, parts] of steps.entries()) push(t0 + i * 45_000, parts);
    }
  }
  for (const team of model.catalog.teams) {
    const count = rnd.poisson(3 * workFactor(startMs));
    const services = model.catalog.services.filter((s) => s.owner === team.name);
    for (let i = 0; i < count; i++)
      push(startMs + rnd.int(0, HOUR_MS - 1), humanEvent(team, services, resourcesOf, model, rnd));
  }
  return out;
}

function groupResources(resources: readonly Resource[]): Map<string, Resource[]> {
  const out = new Map<string, Resource[]>();
  for (const r of resources) {
    if (!r.catalogued) continue;
    out.set(r.service, [...(out.get(r.service) ?? []), r]);
  }
  return out;
}

function workloadEvent(s: Service, own: Resource[], model: Model, rnd: Random): EventParts {
  const acct = model.catalog.accounts.production;
  const bucket = own.find((r) => r.type === 'bucket');
  const ip = `10.${rnd.int(0, 3)}.${rnd.int(0, 255)}.${rnd.int(1, 254)}`;
  if (own.some((r) => r.type === 'k8s-node') && rnd.chance(0.5)) {
    const [verb, object] = rnd.pick([
      ['get', `configmaps/${s.name}-config`],
      ['list', 'pods'],
      ['get', `secrets/${s.name}-db`],
      ['watch', 'endpoints'],
    ] as const);
    return {
      principal: `system:serviceaccount:${s.owner}:${s.name}`,
      principal_type: 'ServiceAccount',
      action: `k8s:${verb} ${object.split('/')[0]}`,
      resource: `${s.owner}/${object}`,
      source_ip: ip,
      user_agent: 'kube-client/v1.29.3',
      account: clusterName(s.region),
      region: s.region,
    };
  }
  const choices: [string, string][] = [
    ['secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${s.region}:${acct}:secret:${s.name}/db-credentials`],
    ['kms:Decrypt', `arn:aws:kms:${s.region}:${acct}:key/${s.name}`],
    ['sqs:SendMessage', `arn:aws:sqs:${s.region}:${acct}:${s.name}-events`],
  ];
  if (bucket) choices.push(['s3:GetObject', bucket.id], ['s3:PutObject', bucket.id]);
  const [action, resource] = rnd.pick(choices);
  return {
    principal: `arn:aws:sts::${acct}:assumed-role/${s.name}-app/${s.name}`,
    principal_type: 'AssumedRole',
    action,
    resource,
    source_ip: ip,
    user_agent: 'aws-sdk-go-v2/1.26.1',
    mfa: false,
    account: acct,
    region: s.region,
  };
}

function deployEvents(s: Service, own: Resource[], model: Model, rnd: Random): EventParts[] {
  const acct = model.catalog.accounts.production;
  const principal = `arn:aws:sts::${acct}:assumed-role/${s.owner}-deployer/gha-${rnd.int(100_000, 999_999)}`;
  const base = { principal, principal_type: 'AssumedRole', source_ip: '192.0.2.10', mfa: false, region: s.region };
  const node = own.find((r) => r.type === 'k8s-node');
  const vm = own.find((r) => r.type === 'vm');
  const rollout: EventParts = node
    ? {
        ...base,
        action: 'k8s:patch deployments',
        resource: `${s.owner}/deployments/${s.name}`,
        account: clusterName(s.region),
        user_agent: 'kubectl/v1.29.3',
      }
    : { ...base, action: 'ssm:SendCommand', resource: vm?.id ?? '', account: acct, user_agent: 'aws-cli/2.15.30' };
  return [
    {
      ...base,
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: `arn:aws:iam::${acct}:role/${s.owner}-deployer`,
      account: acct,
      user_agent: 'aws-sdk-js/3.540.0',
    },
    {
      ...base,
      action: 'ecr:PutImage',
      resource: `arn:aws:ecr:${s.region}:${acct}:repository/${s.name}`,
      account: acct,
      user_agent: 'docker/25.0.3',
    },
    rollout,
  ];
}

function humanEvent(
  team: Team,
  services: Service[],
  resourcesOf: Map<string, Resource[]>,
  model: Model,
  rnd: Random,
): EventParts {
  const acct = model.catalog.accounts.production;
  const memberIndex = rnd.int(0, team.members.length - 1);
  const member = team.members[memberIndex] as string;
  const s = rnd.pick(services);
  const denied = rnd.chance(0.03);
  const ip = `203.0.113.${10 + memberIndex + 3 * model.catalog.teams.indexOf(team)}`;
  const r = rnd.next();
  if (r < 0.1) {
    // Shelling into a pod is privileged even when legitimate; k8s audit says nothing about MFA.
    return {
      principal: `${member}@example.com`,
      principal_type: 'User',
      action: 'k8s:create pods/exec',
      resource: `${s.owner}/pods/${s.name}-${rnd.hex(5)}`,
      result: denied ? 'denied' : 'success',
      error_code: denied ? 'Forbidden' : '',
      source_ip: ip,
      user_agent: 'kubectl/v1.29.3',
      privileged: true,
      account: clusterName(s.region),
      region: s.region,
    };
  }
  const own = resourcesOf.get(s.name) ?? [];
  const [action, resource, privileged] = rnd.pick<[string, string, boolean]>([
    ['signin:ConsoleLogin', '', false],
    ['ec2:DescribeInstances', '', false],
    ['logs:GetLogEvents', `arn:aws:logs:${s.region}:${acct}:log-group:/aws/${s.name}`, false],
    ['cloudwatch:GetMetricData', '', false],
    ['rds:DescribeDBInstances', own.find((x) => x.type === 'db')?.id ?? '', false],
    ['iam:ListRoles', '', false],
    // Legitimate privileged work, done with MFA.
    ...(r > 0.95
      ? [['iam:PassRole', `arn:aws:iam::${acct}:role/${s.name}-app`, true] as [string, string, boolean]]
      : []),
  ]);
  return {
    principal: `arn:aws:iam::${acct}:user/${member}`,
    principal_type: 'IAMUser',
    action,
    resource,
    result: denied ? 'denied' : 'success',
    error_code: denied ? 'AccessDenied' : '',
    source_ip: ip,
    user_agent: rnd.chance(0.6) ? 'console.amazonaws.com' : 'aws-cli/2.15.30',
    mfa: true,
    privileged,
    account: acct,
    region: s.region,
  };
}

/** An event as the principal's access changes in effect at its ts leave it. Revoked: the call is
 *  still made (a workload retries, a person or an intruder tries again) and CloudTrail or the k8s
 *  audit log records the refusal, so the event stays, denied. MFA enforced: privileged calls that
 *  went through without MFA now carry it (the session had to present it). */
function applyAccessChanges(e: AccessEventInput, windows: readonly AccessWindow[]): AccessEventInput {
  let out = e;
  for (const w of windows) {
    if (e.ts < w.fromMs || e.ts >= w.untilMs) continue;
    if (w.kind === 'mfa' && out.privileged && out.mfa === false) out = { ...out, mfa: true };
    if (w.kind === 'revoke' && out.result === 'success' && w.actions.test(e.action)) {
      out = { ...out, result: 'denied', error_code: e.action.startsWith('k8s:') ? 'Forbidden' : 'AccessDenied' };
    }
  }
  return out;
}

/** Access events with ts in [fromMs, toMs): the hourly trickle plus the events of every risky
 *  incident overlapping the range, ordered by time then event id, with access changes applied. */
export function generateAccess(model: Model, fromMs: number, toMs: number): AccessEventInput[] {
  const out: AccessEventInput[] = [];
  for (let hour = Math.floor(fromMs / HOUR_MS); hour * HOUR_MS < toMs; hour++) {
    for (const e of hourEvents(model, hour)) if (e.ts >= fromMs && e.ts < toMs) out.push(e);
  }
  for (const inc of model.incidents.overlapping(fromMs, toMs)) {
    for (const e of riskyEvents(model, inc)) if (e.ts >= fromMs && e.ts < toMs) out.push(e);
  }
  const access = model.changes.principalAccess;
  if (access.size > 0) {
    for (let i = 0; i < out.length; i++) {
      const e = out[i] as AccessEventInput;
      const windows = access.get(canonicalPrincipal(e.principal));
      if (windows) out[i] = applyAccessChanges(e, windows);
    }
  }
  return out.sort((a, b) => a.ts - b.ts || (a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0));
}
