/** Approval routing for actions that policy sent to `require_approval`: who must approve (the owning
 *  team and the roles the policy and the action's impact call for), how many of them, until when,
 *  escalation, and the tally of votes under separation of duties. Pure logic, no I/O. */
export {
  type ApprovalsConfig,
  type ApprovalsConfigInput,
  approvalsConfigSchema,
  BUILT_IN_ROLES,
  DEFAULT_ESCALATE_AFTER_MS,
  DEFAULT_EXPIRY_MS,
  DEFAULT_FINANCE_ABOVE_USD_MONTH,
  DEFAULT_PLATFORM_LEAD_BELOW_ERROR_BUDGET,
  FINANCE_ROLE,
  PLATFORM_LEAD_ROLE,
  parseApprovalsConfig,
  SECURITY_ROLE,
} from './config.ts';
export { type VoteRefusal, VoteRefusedError } from './errors.ts';
export { normalizeMemberId, normalizeTeamName } from './ids.ts';
export { routeApproval, teamsFromCatalog } from './route.ts';
export { authoritiesOf, castVote, tally, type VoteParams } from './tally.ts';
export type {
  ApprovalAuthority,
  ApprovalProposer,
  ApprovalRequirement,
  ApprovalState,
  AuthorityKind,
  MissingApproval,
  PrincipalKind,
  RouteApprovalParams,
  TallyResult,
  Vote,
  Voter,
} from './types.ts';
