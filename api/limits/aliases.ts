import { type ASTVisitor, GraphQLError, type ValidationContext } from 'graphql';

/** Validation rule: refuses a document with more than `maxAliases` aliased fields. Aliases let one
 *  request ask for the same expensive field many times at the same depth; each alias in the text counts
 *  once (fragments are not expanded: their spreads are bounded by the cost analysis). */
export function aliasLimitRule(maxAliases: number): (context: ValidationContext) => ASTVisitor {
  return (context) => {
    let aliases = 0;
    return {
      Field(node) {
        if (node.alias) aliases++;
      },
      Document: {
        leave() {
          if (aliases > maxAliases)
            context.reportError(
              new GraphQLError(`the query uses ${aliases} aliases; the limit is ${maxAliases}`, {
                extensions: { code: 'TOO_MANY_ALIASES', aliases, maxAliases },
              }),
            );
        },
      },
    };
  };
}
