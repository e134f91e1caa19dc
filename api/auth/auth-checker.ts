import type { AuthCheckerFn } from 'type-graphql';
import type { ApiContext } from '../context.ts';
import { forbiddenError, unauthenticatedError } from '../errors.ts';
import { can, PERMISSIONS, type Permission } from './permissions.ts';

/** Requirement of `@Authorized(ADMIN_ONLY)`: the admin role itself, for what no permission grants
 *  (managing API keys), on a key of every team: keys are not team-owned, so a team-scoped admin that could
 *  list, create or revoke them would see other teams' keys and could mint itself an unscoped one. */
export const ADMIN_ONLY = 'role:admin';

/** What `@Authorized(...)` takes: permissions (all of them are needed) or {@link ADMIN_ONLY}; none means
 *  any authenticated key. */
export type Requirement = Permission | typeof ADMIN_ONLY;

/** type-graphql's authChecker: `@Authorized('read')` checks the caller's permissions with `can()`.
 *  No key → UNAUTHENTICATED; a key whose role lacks one → FORBIDDEN naming role and permission. Throws
 *  rather than returning false, so the codes and messages are ours. */
export const authChecker: AuthCheckerFn<ApiContext, string> = ({ context }, requirements) => {
  const principal = context.principal;
  if (!principal) throw unauthenticatedError();
  for (const r of requirements) {
    if (r === ADMIN_ONLY) {
      if (principal.role !== 'admin') throw forbiddenError(`role ${principal.role} may not do this: admin only`);
      if (principal.team !== null)
        throw forbiddenError(
          `key ${principal.keyId} is limited to team ${principal.team}: this needs an admin key of every team`,
        );
      continue;
    }
    if (!(PERMISSIONS as readonly string[]).includes(r)) throw new Error(`unknown permission ${r} in @Authorized`);
    if (!can(principal, r as Permission))
      throw forbiddenError(`role ${principal.role} lacks the ${r} permission this needs`);
  }
  return true;
};
