import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/** Depth allowed under `__schema` / `__type`: the standard introspection query nests type references
 *  about 12 deep; more is an attack (`__type { fields { type { fields { … } } } }`). */
export const INTROSPECTION_MAX_DEPTH = 15;

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/** Validation rule: refuses an operation whose fields nest deeper than `maxDepth` (fragments counted
 *  where they are spread). Fragment heights are memoised, so repeated or nested spreads cost no more
 *  than the document's size; a fragment cycle counts as 0 here and is refused by NoFragmentCyclesRule. */
export function depthLimitRule(maxDepth: number): (context: ValidationContext) => ASTVisitor {
  return (context) => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions)
      if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    const heights = new Map<string, number>();
    const visiting = new Set<string>();
    let introspectionTooDeep = false;

    const height = (set: SelectionSetNode | undefined): number => {
      if (!set) return 0;
      let max = 0;
      for (const sel of set.selections) {
        let h = 0;
        if (sel.kind === Kind.FIELD) {
          const below = height(sel.selectionSet);
          if (INTROSPECTION_ROOTS.has(sel.name.value)) {
            if (below + 1 > INTROSPECTION_MAX_DEPTH) introspectionTooDeep = true;
            h = 1;
          } else h = 1 + below;
        } else if (sel.kind === Kind.INLINE_FRAGMENT) h = height(sel.selectionSet);
        else h = fragmentHeight(sel.name.value);
        if (h > max) max = h;
      }
      return max;
    };
    const fragmentHeight = (name: string): number => {
      const known = heights.get(name);
      if (known !== undefined) return known;
      const def = fragments.get(name);
      if (!def || visiting.has(name)) return 0;
      visiting.add(name);
      const h = height(def.selectionSet);
      visiting.delete(name);
      heights.set(name, h);
      return h;
    };

    return {
      OperationDefinition(node) {
        introspectionTooDeep = false;
        const depth = height(node.selectionSet);
        const name = node.name ? ` ${node.name.value}` : '';
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`operation${name} nests ${depth} levels deep; the limit is ${maxDepth}`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_DEEP', depth, maxDepth },
            }),
          );
        } else if (introspectionTooDeep) {
          context.reportError(
            new GraphQLError(`operation${name} nests introspection deeper than ${INTROSPECTION_MAX_DEPTH} levels`, {
              nodes: [node],
              extensions: { code: 'QUERY_TOO_DEEP', maxDepth: INTROSPECTION_MAX_DEPTH },
            }),
          );
        }
        return false;
      },
    };
  };
}
