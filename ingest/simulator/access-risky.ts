import type { AccessEventInput } from '../../schemas/index.ts';
import { accessEvent, clusterName, type EventParts } from './access-event.ts';
import type { Incident } from './incidents.ts';
import type { Model } from './model.ts';
import { createRandom, hashInts, hashString, hashUuid, type Random } from './random.ts';

/** The well-known AWS managed policy whose attachment is the textbook privilege escalation. */
export const ADMIN_POLICY_ARN = 'arn:aws:iam::aws:policy/AdministratorAccess';

type Step = [action: string, resource: string, privileged: boolean];

/** The access events a risky incident produces, spread over its window; a pure function of the
 *  incident. Non-risky incidents produce none. */
export function riskyEvents(model: Model, inc: Incident): AccessEventInput[] {
  if (!inc.principal) return [];
  const seed = model.config.seed;
  const incKey = hashString(inc.id);
  const rnd = createRandom(hashInts(seed, 0x215d, incKey));
  const steps = stepsFor(model, inc, rnd);
  const times = steps.map(() => inc.startMs + Math.floor(rnd.next() * (inc.endMs - inc.startMs))).sort((a, b) => a - b);
  const acct = model.catalog.accounts.production;
  const region = rnd.pick(['eu-west-1', 'us-east-1']);
  // Outside the office range (203.0.113.0/24) that everyday human traffic comes from.
  const ip = `198.51.100.${rnd.int(2, 254)}`;
  const isRole = inc.principal.includes(':assumed-role/');
  const principalType = inc.kind === 'root_use' ? 'Root' : isRole ? 'AssumedRole' : 'IAMUser';
  return steps.map(([action, resource, privileged], i) => {
    const k8s = action.startsWith('k8s:');
    // Sprawl walks into places it has no grant for; a fifth of its attempts are refused.
    const denied = inc.kind === 'access_sprawl' && rnd.chance(0.2);
    const parts: EventParts = {
      principal: inc.principal as string,
      principal_type: principalType,
      action,
      resource,
      result: denied ? 'denied' : 'success',
      error_code: denied ? (k8s ? 'Forbidden' : 'AccessDenied') : '',
      source_ip: ip,
      user_agent: inc.kind === 'root_use' ? 'console.amazonaws.com' : 'aws-cli/2.15.30',
      mfa: false,
      privileged,
      root: inc.kind === 'root_use',
      account: k8s ? clusterName(region) : acct,
      region,
    };
    return accessEvent(times[i] as number, hashUuid(seed, 0x215d, incKey, i), parts);
  });
}

function stepsFor(model: Model, inc: Incident, rnd: Random): Step[] {
  const acct = model.catalog.accounts.production;
  const user = inc.principal?.split('/').pop() ?? 'unknown';
  const count = Math.max(1, Math.round(inc.magnitude));
  const more = (pool: Step[], n: number) => Array.from({ length: n }, () => rnd.pick(pool));
  switch (inc.kind) {
    case 'root_use':
      return [
        ['signin:ConsoleLogin', '', false],
        ...more(
          [
            ['iam:CreateAccessKey', `arn:aws:iam::${acct}:root`, true],
            ['iam:ListUsers', '', false],
            ['s3:PutBucketPolicy', `arn:aws:s3:::${rnd.pick(model.catalog.services).name}-prod-artifacts`, true],
            ['cloudtrail:StopLogging', `arn:aws:cloudtrail:us-east-1:${acct}:trail/organization-trail`, true],
            ['ec2:DescribeInstances', '', false],
          ],
          count - 1,
        ),
      ];
    case 'privileged_without_mfa':
      return more(
        [
          ['iam:PutRolePolicy', `arn:aws:iam::${acct}:role/${inc.service}-app`, true],
          ['iam:CreateAccessKey', `arn:aws:iam::${acct}:user/${user}`, true],
          ['iam:UpdateAssumeRolePolicy', `arn:aws:iam::${acct}:role/${inc.service}-deployer`, true],
          ['kms:ScheduleKeyDeletion', `arn:aws:kms:eu-west-1:${acct}:key/${inc.service}`, true],
          ['iam:DeleteRolePolicy', `arn:aws:iam::${acct}:role/${inc.service}-app`, true],
        ],
        count,
      );
    case 'privilege_escalation':
      return [
        ['iam:AttachUserPolicy', ADMIN_POLICY_ARN, true],
        ...more(
          [
            ['iam:CreateUser', `arn:aws:iam::${acct}:user/svc-backup-${rnd.hex(4)}`, true],
            ['iam:CreateAccessKey', `arn:aws:iam::${acct}:user/${user}`, true],
            ['iam:CreateLoginProfile', `arn:aws:iam::${acct}:user/${user}`, true],
            [
              'secretsmanager:GetSecretValue',
              `arn:aws:secretsmanager:eu-west-1:${acct}:secret:${rnd.pick(model.catalog.services).name}/db-credentials`,
              false,
            ],
            ['organizations:ListAccounts', '', false],
          ],
          count - 1,
        ),
      ];
    case 'access_sprawl':
      return sprawlTargets(model, inc, rnd, count);
    default:
      return [];
  }
}

/** `count` distinct resources outside the principal's own service, each touched once. */
function sprawlTargets(model: Model, inc: Incident, rnd: Random, count: number): Step[] {
  const acct = model.catalog.accounts.production;
  const pool: Step[] = [];
  for (const r of model.catalog.resources) {
    if (r.service === inc.service) continue;
    if (r.type === 'bucket') pool.push(['s3:GetObject', r.id, false]);
    else if (r.type === 'db') pool.push(['rds-db:connect', r.id, false]);
    else pool.push(['ssm:StartSession', r.id, true]);
  }
  for (const s of model.catalog.services) {
    if (s.name === inc.service) continue;
    pool.push([
      'secretsmanager:GetSecretValue',
      `arn:aws:secretsmanager:${s.region}:${acct}:secret:${s.name}/db-credentials`,
      false,
    ]);
  }
  // Partial Fisher–Yates: the first `count` entries become a random distinct sample.
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rnd.next() * (pool.length - i));
    [pool[i], pool[j]] = [pool[j] as Step, pool[i] as Step];
  }
  return pool.slice(0, n);
}
