import 'reflect-metadata';
import { graphql } from 'graphql';
import { buildSchema, Field, ObjectType, Query, Resolver } from 'type-graphql';
import { describe, expect, it } from 'vitest';
import { Connection } from './connection.ts';

@ObjectType()
class Thing {
  @Field(() => String)
  name!: string;
}
@ObjectType()
class ThingConnection extends Connection(Thing) {}

@Resolver()
class ThingResolver {
  @Query(() => ThingConnection)
  things(): ThingConnection {
    return {
      edges: [{ cursor: 'c', node: { name: 'a' } }],
      nodes: [{ name: 'a' }],
      pageInfo: { hasNextPage: false, endCursor: 'c' },
    };
  }
}

describe('type-graphql here', () => {
  it('builds a schema with a connection and answers', async () => {
    const schema = await buildSchema({ resolvers: [ThingResolver], validate: false });
    const r = await graphql({ schema, source: '{ things { nodes { name } pageInfo { hasNextPage } } }' });
    expect(r).toEqual({ data: { things: { nodes: [{ name: 'a' }], pageInfo: { hasNextPage: false } } } });
  });
});
