import 'reflect-metadata';
import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { type ActionState, actionStates } from '../../../control/actions/lifecycle.ts';
import { resolveProposal } from '../../../control/actions/proposal.ts';
import type { ActionView } from '../../../control/actions/view.ts';
import { InputError, PolicyDeniedError } from '../../../core/errors.ts';
import { can } from '../../auth/permissions.ts';
import type { ApiContext } from '../../context.ts';
import { decodeCursor, FirstArg, pageSize, toConnection } from '../connection.ts';
import { mayVote } from './can-vote.ts';
import { ActionFilter, ProposeActionInput, proposalOf } from './inputs.ts';
import { actableAction, actorOf, principalOf, requireActScope, visibleAction, voterOf } from './scope.ts';
import { Action, ActionConnection, ActionPayload, toAction } from './types.ts';

const payload = (view: ActionView): ActionPayload => ({ action: toAction(view), auditRecordId: view.lastAuditSeq });

/** Actions: the list and one action with its decision, approvals and steps; every change through the
 *  control layer (policy, approvals, audit), as the calling key's principal. */
@Resolver(() => Action)
export class ActionResolver {
  @Authorized('read:control')
  @Query(() => ActionConnection, { description: 'Actions, newest first.' })
  async actions(
    @Ctx() ctx: ApiContext,
    @Arg('filter', () => ActionFilter, { nullable: true }) filter: ActionFilter | null,
    @Arg('first', FirstArg, { nullable: true }) first: number | null,
    @Arg('after', () => String, { nullable: true }) after: string | null,
  ): Promise<ActionConnection> {
    const n = pageSize(first);
    const cursor = decodeCursor(after, 1);
    if (cursor && typeof cursor[0] !== 'string') throw new InputError('after is not a cursor of this list');
    const state = filter?.state ?? undefined;
    if (state !== undefined && !(actionStates as readonly string[]).includes(state)) {
      throw new InputError(`filter.state must be one of ${actionStates.join(', ')} (got ${state})`, {
        location: 'filter.state',
      });
    }
    const scoped = principalOf(ctx).team;
    const team = filter?.team ?? undefined;
    // Asking for another team than the key's finds nothing, as if that team had no actions.
    if (scoped !== null && team !== undefined && team !== scoped) {
      return toConnection(
        [],
        n,
        () => [],
        (v: ActionView) => toAction(v),
      );
    }
    const views = await ctx.services.controller.actions.list({
      ...(state ? { states: [state as ActionState] } : {}),
      ...(filter?.type ? { type: filter.type } : {}),
      ...(filter?.service ? { service: filter.service } : {}),
      ...((scoped ?? team) ? { team: (scoped ?? team)! } : {}),
      ...(cursor ? { afterId: String(cursor[0]) } : {}),
      limit: n + 1,
    });
    return toConnection(views, n, (v) => [v.id], toAction);
  }

  @Authorized('read:control')
  @Query(() => Action, { description: 'One action; NOT_FOUND when unknown (or of another team than the key).' })
  async action(@Ctx() ctx: ApiContext, @Arg('id', () => String) id: string): Promise<Action> {
    return toAction(await visibleAction(ctx, id));
  }

  @FieldResolver(() => Boolean, {
    description:
      'Whether the calling key may vote on it now: pending approval, and the approval rules (separation of ' +
      'duties, human required, membership of an authority, one vote each) would take its approve.',
  })
  async canVote(@Ctx() ctx: ApiContext, @Root() action: Action): Promise<boolean> {
    const view = action.view ?? (await ctx.services.controller.actions.get(action.id));
    return mayVote(view, ctx.principal, ctx.services.clock());
  }

  @Authorized('propose')
  @Mutation(() => ActionPayload, {
    description:
      'Proposes an action: validated, decided by policy, routed for approval when needed. A denied proposal is ' +
      'recorded and returned in state `denied`.',
  })
  async proposeAction(
    @Ctx() ctx: ApiContext,
    @Arg('input', () => ProposeActionInput) input: ProposeActionInput,
  ): Promise<ActionPayload> {
    const proposal = proposalOf(input);
    // Resolved here first only for team scope: a scoped key proposes on its own team's targets.
    const { target } = resolveProposal(proposal, ctx.services.catalog());
    requireActScope(ctx, target.owner, target.name);
    return payload(await ctx.services.controller.actions.propose(proposal, actorOf(principalOf(ctx))));
  }

  @Authorized('approve')
  @Mutation(() => ActionPayload, { description: 'Votes to approve; FORBIDDEN for a voter who may not (the proposer).' })
  async approveAction(
    @Ctx() ctx: ApiContext,
    @Arg('id', () => String) id: string,
    @Arg('comment', () => String, { nullable: true }) comment: string | null,
  ): Promise<ActionPayload> {
    await actableAction(ctx, id);
    const view = await ctx.services.controller.actions.vote(
      id,
      voterOf(principalOf(ctx)),
      'approve',
      comment ?? undefined,
    );
    return payload(view);
  }

  @Authorized('approve')
  @Mutation(() => ActionPayload, { description: 'Votes to reject: one reject denies the action.' })
  async rejectAction(
    @Ctx() ctx: ApiContext,
    @Arg('id', () => String) id: string,
    @Arg('reason', () => String) reason: string,
  ): Promise<ActionPayload> {
    await actableAction(ctx, id);
    return payload(await ctx.services.controller.actions.vote(id, voterOf(principalOf(ctx)), 'reject', reason));
  }

  @Authorized('propose')
  @Mutation(() => ActionPayload, {
    description:
      'Executes an approved action behind its guards (needs `execute`), or with `dryRun` records what would change ' +
      '(`propose` suffices). A guard that holds it returns it still approved, with `heldReason`.',
  })
  async executeAction(
    @Ctx() ctx: ApiContext,
    @Arg('id', () => String) id: string,
    @Arg('dryRun', () => Boolean, { defaultValue: false }) dryRun: boolean,
  ): Promise<ActionPayload> {
    const p = principalOf(ctx);
    if (!dryRun && !can(p, 'execute')) {
      throw new PolicyDeniedError(`role ${p.role} lacks the execute permission a real execution needs`);
    }
    await actableAction(ctx, id);
    return payload(await ctx.services.controller.runner.execute(id, actorOf(p), { dryRun }));
  }

  @Authorized('execute')
  @Mutation(() => ActionPayload, { description: 'Cancels an action not yet executed.' })
  async cancelAction(
    @Ctx() ctx: ApiContext,
    @Arg('id', () => String) id: string,
    @Arg('reason', () => String) reason: string,
  ): Promise<ActionPayload> {
    await actableAction(ctx, id);
    return payload(await ctx.services.controller.actions.cancel(id, actorOf(principalOf(ctx)), reason));
  }
}
