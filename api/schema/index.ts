import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type ClassType, type NonEmptyArray, type PubSub } from 'type-graphql';
import { authChecker } from '../auth/auth-checker.ts';
import { ApiKeyResolver } from './api-keys.ts';
import { CONTROL_RESOLVERS } from './control/index.ts';
import { QUERY_RESOLVERS } from './queries/index.ts';
import { ViewerResolver } from './viewer.ts';

export { ApiKeyResolver, type ApiServerContext } from './api-keys.ts';
export { RoleEnum, Viewer, ViewerResolver } from './viewer.ts';

/** Resolvers of this folder itself: the caller, public health, API key administration. */
const OWN_RESOLVERS: ClassType[] = [ViewerResolver, ApiKeyResolver];

/** type-graphql wants a PubSub as soon as one `@Subscription` exists, even when every subscription
 *  brings its own `subscribe` function (ours tail the EVENTS stream): this one refuses topic-based use. */
const NO_TOPICS: PubSub = {
  publish() {
    throw new Error('API subscriptions use `subscribe` functions over NATS, not pubSub topics');
  },
  subscribe() {
    throw new Error('API subscriptions use `subscribe` functions over NATS, not pubSub topics');
  },
};

let built: Promise<GraphQLSchema> | undefined;

/** The API's GraphQL schema from every resolver (read side, control side, auth), built once per process
 *  (type-graphql metadata is global, so a second build would give the same schema anyway).
 *  @example const schema = await buildApiSchema(); */
export function buildApiSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [...OWN_RESOLVERS, ...QUERY_RESOLVERS, ...CONTROL_RESOLVERS] as NonEmptyArray<ClassType>,
    authChecker,
    pubSub: NO_TOPICS,
    // Arguments are checked by the resolvers (InputError), not by class-validator.
    validate: false,
  }).catch((err: unknown) => {
    built = undefined;
    throw err;
  });
  return built;
}

/** The schema as SDL, types sorted by name: what `api/schema.graphql` holds. */
export async function printApiSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildApiSchema()))}\n`;
}
