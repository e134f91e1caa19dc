/** Identity normalisation. Every comparison of people, teams and roles goes through here, so
 *  `user:default/Alice`, `user:alice` and `alice` are one person: a spelling difference must never
 *  let someone approve their own action or count twice. */

/** Backstage's default namespace: refs in it drop to the bare name. */
const DEFAULT_NAMESPACE = 'default';

/** A person's id as approvals compare it: lower-case, without the `user:` kind and without the
 *  `default/` namespace (`user:default/Alice` → `alice`, `user:ops/bob` → `ops/bob`). Returns a
 *  sentence instead when the text is not a user id or user ref. */
export function normalizeMemberId(id: string): string | { error: string } {
  return normalizeRef(id, 'user');
}

/** A team's name as approvals compare it: `group:default/Payments` → `payments`. Returns a sentence
 *  instead when the text is not a team name or group ref. */
export function normalizeTeamName(name: string): string | { error: string } {
  return normalizeRef(name, 'group');
}

/** {@link normalizeMemberId} for data that was validated before (config, catalog); a bad value is
 *  kept lower-cased, so it can match nobody by accident but is never dropped silently. */
export function memberKey(id: string): string {
  const n = normalizeMemberId(id);
  return typeof n === 'string' ? n : id.trim().toLowerCase();
}

/** {@link normalizeTeamName} for data that was validated before. */
export function teamKey(name: string): string {
  const n = normalizeTeamName(name);
  return typeof n === 'string' ? n : name.trim().toLowerCase();
}

/** Role names compare lower-case. */
export function roleKey(name: string): string {
  return name.trim().toLowerCase();
}

function normalizeRef(text: string, kind: 'user' | 'group'): string | { error: string } {
  const ref = text.trim().toLowerCase();
  const colon = ref.indexOf(':');
  if (colon >= 0 && ref.slice(0, colon) !== kind) {
    return { error: `${JSON.stringify(text)} is not a ${kind} (expected "${kind}:<name>" or a bare name)` };
  }
  const rest = colon >= 0 ? ref.slice(colon + 1) : ref;
  const parts = rest.split('/');
  if (parts.length > 2 || parts.some((p) => p === '' || p.includes(':'))) {
    return { error: `${JSON.stringify(text)} is not a ${kind} name or ref ([${kind}:][<namespace>/]<name>)` };
  }
  return parts.length === 2 && parts[0] === DEFAULT_NAMESPACE ? (parts[1] as string) : rest;
}
