import 'reflect-metadata';
import { Authorized, Ctx, Query, Resolver } from 'type-graphql';
import type { ApiContext } from '../../context.ts';
import { Policies } from './types.ts';

/** The policy set in force (the last one that loaded cleanly). */
@Resolver()
export class PolicyResolver {
  @Authorized('read:control')
  @Query(() => Policies, { description: 'The policy set in force: its hash, files and rules.' })
  policies(@Ctx() ctx: ApiContext): Policies {
    const set = ctx.services.controller.policy.current();
    return {
      hash: set.hash,
      defaultEffect: set.defaultEffect,
      files: [...set.files],
      rules: set.rules.map((r) => ({
        id: r.id,
        set: r.set,
        description: r.description,
        when: r.when,
        effect: r.effect,
        reason: r.reason,
        approvers: r.approvers,
        source: r.source,
      })),
    };
  }
}
