import type { DocumentNode, GraphQLSchema } from 'graphql';
import { type ComplexityEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { apiError } from '../errors.ts';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../schema/connection.ts';

/** Most selection nodes the cost analysis walks (fragments expanded) before it gives up and refuses. */
const MAX_QUERY_NODES = 20_000;

/** A field with a `first` argument is a connection: it returns up to `first` (default
 *  DEFAULT_PAGE_SIZE) nodes, so it costs 1 + first × what each node selects. `first` outside
 *  1..MAX_PAGE_SIZE is refused here, before execution, as the resolvers' pageSize() would. */
export const connectionEstimator: ComplexityEstimator = ({ field, args, childComplexity }) => {
  if (!field.args.some((a) => a.name === 'first')) return undefined;
  const first: unknown = args.first;
  const n = first === null || first === undefined ? DEFAULT_PAGE_SIZE : first;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE)
    throw apiError('BAD_USER_INPUT', `first must be an integer from 1 to ${MAX_PAGE_SIZE} (got ${String(first)})`, {
      status: 400,
    });
  return 1 + n * Math.max(childComplexity, 1);
};

/** The static cost of the operation `operationName` of `document` with `variables`: every field 1,
 *  connections multiplied by their page size. Throws a GraphQLError (QUERY_TOO_COSTLY, or BAD_USER_INPUT
 *  for a bad `first`) instead of returning a cost over `maxCost`. */
export function operationCost(params: {
  schema: GraphQLSchema;
  document: DocumentNode;
  variables?: Record<string, unknown> | undefined;
  operationName?: string | null | undefined;
  maxCost: number;
}): number {
  let cost: number;
  try {
    cost = getComplexity({
      schema: params.schema,
      query: params.document,
      variables: params.variables ?? {},
      ...(params.operationName ? { operationName: params.operationName } : {}),
      estimators: [connectionEstimator, simpleEstimator({ defaultComplexity: 1 })],
      maxQueryNodes: MAX_QUERY_NODES,
    });
  } catch (err) {
    if (err instanceof Error && err.message.includes('maximum allowed number of nodes'))
      throw apiError('QUERY_TOO_COSTLY', `the query selects more than ${MAX_QUERY_NODES} fields once expanded`, {
        status: 400,
      });
    throw err;
  }
  if (cost > params.maxCost)
    throw apiError('QUERY_TOO_COSTLY', `the query costs ${cost} points; the limit is ${params.maxCost}`, {
      status: 400,
      extensions: { cost, maxCost: params.maxCost },
    });
  return cost;
}

/** Most (operation name, variables) costs remembered per document; past it that document's are forgotten. */
const MAX_COSTS_PER_DOCUMENT = 64;

/** {@link operationCost} remembered per parsed document, operation name and variables: Apollo hands
 *  the same document object to every request with the same query text (its document cache), so a
 *  repeated operation is not walked again. Only costs within `maxCost` are kept (refusals are
 *  recomputed); one schema and `maxCost` per returned function.
 *  @example const cost = createOperationCost(); cost({ schema, document, variables, maxCost: 5000 }); */
export function createOperationCost(): typeof operationCost {
  const known = new WeakMap<DocumentNode, Map<string, number>>();
  return (params) => {
    const key = `${params.operationName ?? ''}\u0000${params.variables ? JSON.stringify(params.variables) : ''}`;
    let costs = known.get(params.document);
    const hit = costs?.get(key);
    if (hit !== undefined) return hit;
    const cost = operationCost(params);
    if (!costs) {
      costs = new Map();
      known.set(params.document, costs);
    }
    if (costs.size >= MAX_COSTS_PER_DOCUMENT) costs.clear();
    costs.set(key, cost);
    return cost;
  };
}
