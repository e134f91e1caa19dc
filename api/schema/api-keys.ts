import { Arg, Authorized, Ctx, Field, GraphQLISODateTime, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { ADMIN_ONLY } from '../auth/auth-checker.ts';
import type { ApiKeyStore, ApiKey as StoredApiKey } from '../auth/keys.ts';
import type { Role } from '../auth/permissions.ts';
import type { ApiContext } from '../context.ts';
import { Connection, decodeCursor, FirstArg, pageSize, toConnection } from './connection.ts';
import { RoleEnum } from './viewer.ts';

/** The context the API server builds: {@link ApiContext} plus the key store (for the admin resolvers). */
export interface ApiServerContext extends ApiContext {
  keys: ApiKeyStore;
}

@ObjectType({ description: 'An API key. Its secret is never stored: only shown once, at creation.' })
export class ApiKey {
  @Field(() => String, { description: 'Public id (`ak_…`).' })
  keyId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => RoleEnum)
  role!: Role;

  @Field(() => String, { nullable: true, description: 'The team the key is limited to; null for every team.' })
  team!: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was revoked; null while it works.' })
  revokedAt!: Date | null;
}

@ObjectType()
export class ApiKeyConnection extends Connection(ApiKey) {}

@ObjectType({ description: 'A new API key and its token, which is shown this once.' })
export class CreatedApiKey {
  @Field(() => String)
  keyId!: string;

  @Field(() => String, { description: 'Send as `Authorization: Bearer <token>`. Not retrievable later.' })
  token!: string;

  @Field(() => ApiKey)
  key!: ApiKey;
}

const toApiKey = (k: StoredApiKey): ApiKey => ({
  keyId: k.keyId,
  name: k.name,
  role: k.role,
  team: k.team,
  createdAt: new Date(k.createdAt),
  revokedAt: k.revokedAt === null ? null : new Date(k.revokedAt),
});

/** API key administration: admin only. */
@Resolver()
export class ApiKeyResolver {
  @Authorized(ADMIN_ONLY)
  @Query(() => ApiKeyConnection, { description: 'API keys by id (admin only).' })
  async apiKeys(
    @Ctx() ctx: ApiServerContext,
    @Arg('first', FirstArg, { nullable: true }) first?: number | null,
    @Arg('after', () => String, { nullable: true }) after?: string | null,
    @Arg('includeRevoked', () => Boolean, { defaultValue: false }) includeRevoked?: boolean,
  ): Promise<ApiKeyConnection> {
    const n = pageSize(first);
    const cursor = decodeCursor(after, 1);
    const keys = await ctx.keys.list({
      limit: n + 1,
      includeRevoked: includeRevoked ?? false,
      ...(cursor ? { afterKeyId: String(cursor[0]) } : {}),
    });
    return toConnection(keys, n, (k) => [k.keyId], toApiKey);
  }

  @Authorized(ADMIN_ONLY)
  @Mutation(() => CreatedApiKey, { description: 'Creates an API key (admin only); the token is in the answer only.' })
  async createApiKey(
    @Ctx() ctx: ApiServerContext,
    @Arg('name', () => String) name: string,
    @Arg('role', () => RoleEnum) role: Role,
    @Arg('team', () => String, { nullable: true }) team?: string | null,
  ): Promise<CreatedApiKey> {
    const { key, token } = await ctx.keys.create({ name, role, team: team ?? null });
    ctx.services.logger.info(
      { keyId: key.keyId, role, team: key.team, by: ctx.principal?.keyId, requestId: ctx.requestId },
      'API key created',
    );
    return { keyId: key.keyId, token, key: toApiKey(key) };
  }

  @Authorized(ADMIN_ONLY)
  @Mutation(() => ApiKey, {
    description: 'Revokes an API key (admin only); every replica refuses it within keyCacheMs.',
  })
  async revokeApiKey(@Ctx() ctx: ApiServerContext, @Arg('keyId', () => String) keyId: string): Promise<ApiKey> {
    const key = await ctx.keys.revoke(keyId);
    ctx.services.logger.info({ keyId, by: ctx.principal?.keyId, requestId: ctx.requestId }, 'API key revoked');
    return toApiKey(key);
  }
}
