import type { Actor } from '../../../control/actions/proposal.ts';
import type { ActionView } from '../../../control/actions/view.ts';
import type { Voter } from '../../../control/approvals/types.ts';
import { NotFoundError, PolicyDeniedError } from '../../../core/errors.ts';
import { type ApiPrincipal, inScope } from '../../auth/permissions.ts';
import type { ApiContext } from '../../context.ts';

/** The authenticated key (the auth checker has already refused requests without one). */
export function principalOf(ctx: ApiContext): ApiPrincipal {
  if (!ctx.principal) throw new PolicyDeniedError('authentication required');
  return ctx.principal;
}

/** The key as the control layer's actor: agents are agents, every other role a person. */
export function actorOf(p: ApiPrincipal): Actor {
  return {
    id: p.name,
    kind: p.role === 'agent' ? 'agent' : 'human',
    roles: [p.role],
    ...(p.team !== null ? { team: p.team } : {}),
  };
}

/** The key as a voter: its role and team qualify it as a member of those roles and teams. */
export function voterOf(p: ApiPrincipal): Voter {
  return {
    id: p.name,
    kind: p.role === 'agent' ? 'agent' : 'human',
    roles: [p.role],
    teams: p.team !== null ? [p.team] : [],
  };
}

/** An action the key may see; another team's is NOT_FOUND, worded as an unknown id. */
export async function visibleAction(ctx: ApiContext, id: string): Promise<ActionView> {
  const view = await ctx.services.controller.actions.get(id);
  if (!inScope(ctx.principal, view.team)) throw new NotFoundError(`no action with id ${id}`);
  return view;
}

/** Refuses an act on something of another team than the key's (FORBIDDEN). */
export function requireActScope(ctx: ApiContext, team: string, what: string): void {
  const p = principalOf(ctx);
  if (!inScope(p, team)) {
    throw new PolicyDeniedError(
      `key ${p.keyId} is limited to team ${p.team}: it may not act on ${what} of team ${team}`,
    );
  }
}

/** Checks the key may act on an action (it exists, and belongs to its team). */
export async function actableAction(ctx: ApiContext, id: string): Promise<ActionView> {
  const view = await ctx.services.controller.actions.get(id);
  requireActScope(ctx, view.team, `action ${id}`);
  return view;
}
