import { type ClassType, Field, Int, ObjectType } from 'type-graphql';
import { InputError } from '../../core/errors.ts';

/** Largest `first` any connection answers; more is refused (not silently cut), like GitHub's API. */
export const MAX_PAGE_SIZE = 100;
/** `first` when the query does not say. */
export const DEFAULT_PAGE_SIZE = 20;

@ObjectType({ description: 'Relay page information.' })
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'Cursor of the last edge; pass it as `after` for the next page.',
  })
  endCursor!: string | null;
}

/** A Relay connection type over `node`: `edges { cursor node }`, `nodes`, `pageInfo` (no `totalCount`).
 *  @example @ObjectType() class ServiceConnection extends Connection(Service) {} */
export function Connection<T extends object>(node: ClassType<T>) {
  @ObjectType(`${node.name}Edge`)
  class Edge {
    @Field(() => String)
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  // Not in the schema itself: only the subclasses that name it (`class XConnection extends Connection(X)`) are.
  @ObjectType()
  abstract class ConnectionClass {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => [node], { description: 'The nodes of `edges`, for clients that do not need cursors.' })
    nodes!: T[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;
  }
  return ConnectionClass;
}

/** The page size of a connection argument, checked: 1..MAX_PAGE_SIZE, default DEFAULT_PAGE_SIZE. */
export function pageSize(first: number | null | undefined): number {
  if (first === null || first === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new InputError(`first must be an integer from 1 to ${MAX_PAGE_SIZE} (got ${first})`, { location: 'first' });
  }
  return first;
}

/** An opaque cursor for a sort key (base64url of JSON). */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** The sort key of a cursor; a cursor this server did not make is refused with a clean error. */
export function decodeCursor(cursor: string | null | undefined, arity: number): (string | number)[] | undefined {
  if (cursor === null || cursor === undefined || cursor === '') return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((k) => typeof k === 'string' || typeof k === 'number')
    ) {
      return key as (string | number)[];
    }
  } catch {
    // fall through
  }
  throw new InputError('after is not a cursor from this API', { location: 'after' });
}

/** Builds a connection from `rows` fetched with LIMIT first + 1 (the extra row says there is a next page). */
export function toConnection<R, T>(
  rows: readonly R[],
  first: number,
  key: (row: R) => (string | number)[],
  node: (row: R) => T,
): { edges: { cursor: string; node: T }[]; nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } {
  const page = rows.slice(0, first);
  const edges = page.map((r) => ({ cursor: encodeCursor(key(r)), node: node(r) }));
  return {
    edges,
    nodes: edges.map((e) => e.node),
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** `first` argument type for resolvers. */
export const FirstArg = () => Int;
