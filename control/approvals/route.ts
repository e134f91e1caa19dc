import { InputError } from '../../core/errors.ts';
import type { CatalogTeam } from '../../scoring/catalog/index.ts';
import { OWNER_APPROVER } from '../policy/index.ts';
import { type ApprovalsConfig, BUILT_IN_ROLES, FINANCE_ROLE, PLATFORM_LEAD_ROLE } from './config.ts';
import { memberKey, normalizeMemberId, normalizeTeamName, roleKey, teamKey } from './ids.ts';
import type { ApprovalAuthority, ApprovalRequirement, AuthorityKind, RouteApprovalParams } from './types.ts';

interface Draft {
  kind: AuthorityKind;
  name: string;
  reasons: string[];
}

/** Team name → member ids from the catalog's Group entities, for `RouteApprovalParams.teams`. */
export function teamsFromCatalog(teams: readonly Pick<CatalogTeam, 'name' | 'members'>[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of teams) out[teamKey(t.name)] = [...(out[teamKey(t.name)] ?? []), ...t.members];
  return out;
}

/** Decides who must approve an action that policy sent to `require_approval`: the authorities the
 *  decision named, plus those its impact calls for (cost → finance; tier, thin error budget or no
 *  way back → platform lead), each with its quorum and the reasons it is there; the expiry and
 *  escalation times; and whether only humans may approve. Pure: same input, same output.
 *
 *  Never lowers the bar: an authority with fewer eligible members than its quorum, or an approver it
 *  cannot resolve, is listed in `problems` (and such a requirement takes no votes). Throws an
 *  `InputError` only for malformed input (a non-finite number, an unreadable proposer id).
 *
 *  @example
 *  const req = routeApproval({ actionId: 'act-1', decisionApprovers: ['payments', 'finance'],
 *    target: { owner: 'payments', tier: 'tier-2', service: 'payments-api' },
 *    impact: { costUsdMonth: 750, errorBudgetCost: 0 }, errorBudgetRemaining: 0.8, reversible: true,
 *    proposer: { id: 'alice', kind: 'human' }, nowMs: Date.now(), teams, config });
 */
export function routeApproval(params: RouteApprovalParams): ApprovalRequirement {
  const { actionId, target, impact, errorBudgetRemaining, nowMs, config } = params;
  checkFinite(actionId, {
    nowMs,
    'impact.costUsdMonth': impact.costUsdMonth,
    'impact.errorBudgetCost': impact.errorBudgetCost,
  });
  if (errorBudgetRemaining !== null) checkFinite(actionId, { errorBudgetRemaining });
  const proposerId = normalizeMemberId(params.proposer.id);
  if (typeof proposerId !== 'string') {
    throw new InputError(`action ${actionId}: proposer.id ${proposerId.error}`, { location: 'proposer.id' });
  }
  const owner = teamKey(target.owner);
  const teams = normalizeTeams(params.teams);
  const problems: string[] = [];
  const warnings: string[] = [];
  const drafts = new Map<string, Draft>();
  const add = (kind: AuthorityKind, name: string, reason: string): void => {
    const id = `${kind}:${name}`;
    const draft = drafts.get(id) ?? { kind, name, reasons: [] };
    if (!draft.reasons.includes(reason)) draft.reasons.push(reason);
    drafts.set(id, draft);
  };

  for (const approver of params.decisionApprovers) {
    // The engine resolves `$owner`; a caller passing a rule's approvers unresolved gets the same.
    const resolved =
      approver === OWNER_APPROVER ? { kind: 'team' as const, name: owner } : resolveApprover(approver, config, teams);
    if ('error' in resolved) {
      problems.push(`action ${actionId}: approver ${resolved.error}`);
      continue;
    }
    if (resolved.warning) warnings.push(`action ${actionId}: ${resolved.warning}`);
    const ownerNote =
      resolved.kind === 'team' && resolved.name === owner ? `, the owning team of ${target.service}` : '';
    add(resolved.kind, resolved.name, `the policy decision names ${approver}${ownerNote}`);
  }

  const cost = impact.costUsdMonth;
  const financeAt = config.financeAboveUsdMonth;
  if (financeAt !== null && cost !== 0 && Math.abs(cost) >= financeAt) {
    add('role', FINANCE_ROLE, `the cost change of ${usd(cost)}/month is at least financeAboveUsdMonth ($${financeAt})`);
  }
  if (config.platformLeadTiers.includes(target.tier)) {
    add('role', PLATFORM_LEAD_ROLE, `${target.service} is ${target.tier} (platformLeadTiers)`);
  }
  const budgetBelow = config.platformLeadBelowErrorBudget;
  if (budgetBelow !== null && errorBudgetRemaining !== null) {
    const left = errorBudgetRemaining - impact.errorBudgetCost;
    if (left < budgetBelow) {
      add(
        'role',
        PLATFORM_LEAD_ROLE,
        `the error budget left after the action would be ${round(left)}, below platformLeadBelowErrorBudget (${budgetBelow})`,
      );
    }
  }
  if (!params.reversible && config.platformLeadIfIrreversible) {
    add('role', PLATFORM_LEAD_ROLE, 'the action cannot be undone (platformLeadIfIrreversible)');
  }
  // An empty list would be approved by nobody (every one of zero authorities "has its quorum").
  if (drafts.size === 0) {
    add('team', owner, `no rule named an approver; the owning team of ${target.service} decides`);
  }

  const rosterOf = (d: { kind: AuthorityKind; name: string }): string[] =>
    d.kind === 'team' ? (teams.get(d.name) ?? []) : Object.hasOwn(config.roles, d.name) ? config.roles[d.name]! : [];
  const build = (id: string, d: Draft): ApprovalAuthority => {
    const roster = rosterOf(d);
    const members = roster.filter((m) => m !== proposerId);
    let quorum = Math.max(
      config.quorum.default,
      Object.hasOwn(config.quorum.byAuthority, id) ? config.quorum.byAuthority[id]! : 0,
    );
    if (d.kind === 'team' && d.name === owner) quorum = Math.max(quorum, config.quorum.ownerByTier[target.tier] ?? 0);
    return { id, kind: d.kind, name: d.name, members, quorum, why: d.reasons.join('; ') };
  };
  const authorities = [...drafts].map(([id, d]) => build(id, d));
  for (const a of authorities) {
    const short = shortfall(a, rosterOf(a), proposerId);
    if (short) problems.push(`action ${actionId}: ${short}`);
  }

  let escalateAtMs: number | null = null;
  let escalateTo: ApprovalAuthority | null = null;
  if (config.escalateAfterMs > 0) {
    escalateAtMs = nowMs + config.escalateAfterMs;
    const id = `role:${config.escalateTo}`;
    escalateTo = build(id, {
      kind: 'role',
      name: config.escalateTo,
      reasons: [
        `nobody decided within escalateAfterMs (${config.escalateAfterMs} ms); stands in for any authority short of its quorum`,
      ],
    });
    const short = shortfall(escalateTo, rosterOf(escalateTo), proposerId);
    if (short) warnings.push(`action ${actionId}: escalation cannot approve: ${short}`);
  }

  return {
    actionId,
    proposer: { id: proposerId, kind: params.proposer.kind },
    authorities,
    routedAtMs: nowMs,
    expiresAtMs: nowMs + config.expiryMs,
    escalateAtMs,
    escalateTo,
    humanRequired: config.humanRequiredForAgents && params.proposer.kind !== 'human',
    problems,
    warnings,
  };
}

/** Bare names: a role when configured or built in, else a team. */
function resolveApprover(
  approver: string,
  config: ApprovalsConfig,
  teams: ReadonlyMap<string, string[]>,
): { kind: AuthorityKind; name: string; warning?: string } | { error: string } {
  const text = approver.trim();
  if (text.toLowerCase().startsWith('role:')) {
    const name = roleKey(text.slice('role:'.length));
    return name ? { kind: 'role', name } : { error: `${JSON.stringify(approver)} names no role` };
  }
  const isTeamRef = /^(team|group):/i.test(text);
  const team = normalizeTeamName(isTeamRef && /^team:/i.test(text) ? text.slice('team:'.length) : text);
  if (isTeamRef) {
    return typeof team === 'string' ? { kind: 'team', name: team } : { error: team.error };
  }
  const role = roleKey(text);
  if (Object.hasOwn(config.roles, role) || BUILT_IN_ROLES.includes(role) || role === config.escalateTo) {
    const warning = teams.has(role)
      ? `approver ${JSON.stringify(approver)} is both a role and a team; taken as role:${role} (write team:${role} for the team)`
      : undefined;
    return warning ? { kind: 'role', name: role, warning } : { kind: 'role', name: role };
  }
  return typeof team === 'string' ? { kind: 'team', name: team } : { error: team.error };
}

/** Why an authority can never reach its quorum, or null when it can. */
function shortfall(a: ApprovalAuthority, roster: readonly string[], proposerId: string): string | null {
  if (a.members.length >= a.quorum) return null;
  const where = a.kind === 'team' ? 'in the catalog' : `in approvals.roles.${a.name}`;
  const listed = a.members.length > 0 ? `: ${a.members.join(', ')}` : '';
  const excluded = roster.includes(proposerId) ? ` (${proposerId} proposed the action and cannot approve it)` : '';
  return `${a.id} needs ${a.quorum} approval(s) but has ${a.members.length} eligible member(s) ${where}${listed}${excluded}`;
}

function normalizeTeams(teams: Readonly<Record<string, readonly string[]>>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [name, members] of Object.entries(teams)) {
    const key = teamKey(name);
    out.set(key, [...new Set([...(out.get(key) ?? []), ...members.map(memberKey)])]);
  }
  return out;
}

function checkFinite(actionId: string, fields: Record<string, number>): void {
  for (const [key, value] of Object.entries(fields)) {
    if (!Number.isFinite(value)) {
      throw new InputError(`action ${actionId}: ${key} must be a finite number (got ${value})`, { location: key });
    }
  }
}

function usd(n: number): string {
  return `${n < 0 ? '-' : '+'}$${round(Math.abs(n))}`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
