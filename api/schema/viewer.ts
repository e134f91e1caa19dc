import { Authorized, Ctx, Field, ObjectType, Query, Resolver, registerEnumType } from 'type-graphql';
import { ROLE_PERMISSIONS, ROLES, type Role } from '../auth/permissions.ts';
import type { ApiContext } from '../context.ts';

/** The roles as a GraphQL enum (`VIEWER` … `ADMIN`), values the wire names (`viewer` … `admin`). */
export const RoleEnum = Object.fromEntries(ROLES.map((r) => [r.toUpperCase(), r])) as Record<Uppercase<Role>, Role>;
registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'What an API key may do: viewer < analyst < operator; approver votes; agent proposes; admin all.',
});

/** The caller: the API key that authenticated the request. */
@ObjectType({ description: 'The API key making this request.' })
export class Viewer {
  @Field(() => String, { description: 'Public id of the key (`ak_…`).' })
  keyId!: string;

  @Field(() => String, { description: 'Who holds the key; the actor in the audit log.' })
  name!: string;

  @Field(() => RoleEnum)
  role!: Role;

  @Field(() => String, { nullable: true, description: 'The team the key is limited to; null sees every team.' })
  team!: string | null;

  @Field(() => [String], { description: 'Permissions the role grants.' })
  permissions!: string[];
}

/** `viewer` (who am I) and `health` (public liveness of the API). */
@Resolver()
export class ViewerResolver {
  @Query(() => String, { description: 'Always `ok` when the API answers; needs no key.' })
  health(): string {
    return 'ok';
  }

  @Authorized()
  @Query(() => Viewer, {
    nullable: true,
    description: 'The API key making this request (an UNAUTHENTICATED error without one).',
  })
  viewer(@Ctx() ctx: ApiContext): Viewer {
    const p = ctx.principal!;
    return { keyId: p.keyId, name: p.name, role: p.role, team: p.team, permissions: [...ROLE_PERMISSIONS[p.role]] };
  }
}
