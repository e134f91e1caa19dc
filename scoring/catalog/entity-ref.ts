/** Backstage entity references: `[<kind>:][<namespace>/]<name>`, e.g. `group:default/payments`. */

/** The namespace Backstage assumes when none is given. */
export const DEFAULT_NAMESPACE = 'default';

/** A parsed entity reference; `kind` is lower-case, as Backstage prints refs. */
export interface EntityRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Parses a ref, filling kind and namespace from context the way Backstage's relation processor
 *  does (`owner` defaults to kind Group, `system` to System, and the namespace to the referrer's).
 *  Returns a sentence instead when the ref cannot be read. */
export function parseEntityRef(
  ref: string,
  context: { defaultKind?: string; defaultNamespace?: string } = {},
): EntityRef | string {
  const colon = ref.indexOf(':');
  const kind = colon >= 0 ? ref.slice(0, colon) : context.defaultKind;
  const rest = colon >= 0 ? ref.slice(colon + 1) : ref;
  const slash = rest.indexOf('/');
  const namespace = slash >= 0 ? rest.slice(0, slash) : (context.defaultNamespace ?? DEFAULT_NAMESPACE);
  const name = slash >= 0 ? rest.slice(slash + 1) : rest;
  if (!kind) return `${JSON.stringify(ref)} needs a kind here, as in "resource:${ref}" or "component:${ref}"`;
  if (!namespace || !name || name.includes('/') || name.includes(':')) {
    return `${JSON.stringify(ref)} is not an entity ref ([<kind>:][<namespace>/]<name>)`;
  }
  return { kind: kind.toLowerCase(), namespace, name };
}

/** `kind:namespace/name`, the form every message and lookup uses. */
export function stringifyEntityRef(ref: EntityRef): string {
  return `${ref.kind.toLowerCase()}:${ref.namespace}/${ref.name}`;
}

/** Lookup key: Backstage compares refs case-insensitively. */
export function refKey(ref: EntityRef | string): string {
  return (typeof ref === 'string' ? ref : stringifyEntityRef(ref)).toLowerCase();
}
