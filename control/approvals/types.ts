import type { Tier } from '../../scoring/catalog/index.ts';
import type { ApprovalsConfig } from './config.ts';

/** Who may be asked: the people of a catalog team, or the holders of a configured role. */
export type AuthorityKind = 'team' | 'role';

/** Who proposed an action, or who votes on one. */
export type PrincipalKind = 'human' | 'agent' | 'system';

/** One group whose approval an action needs. */
export interface ApprovalAuthority {
  /** `team:payments` or `role:finance`. */
  id: string;
  kind: AuthorityKind;
  /** Team or role name, normalised (`payments`, `finance`). */
  name: string;
  /** Who may approve for it: the catalog team's members or the role's holders, normalised, without the
   *  proposer. Voters may also qualify by their identity's team or role (see `tally`). */
  members: string[];
  /** Distinct approvals it needs, >= 1. */
  quorum: number;
  /** Why it is asked, one clause per reason, joined by `; `. */
  why: string;
}

/** The proposer of an action, as routing and tallying compare it. */
export interface ApprovalProposer {
  /** Normalised id (`user:default/alice` → `alice`). */
  id: string;
  kind: PrincipalKind;
}

/** Who must approve an action, how many of them, and until when. Made by `routeApproval`. */
export interface ApprovalRequirement {
  actionId: string;
  proposer: ApprovalProposer;
  /** In order: the policy's approvers, then those the impact rules added. Never empty. */
  authorities: ApprovalAuthority[];
  /** Routing time, ms since the epoch; votes before it are refused. */
  routedAtMs: number;
  /** Ms since the epoch; a request still pending then is expired. */
  expiresAtMs: number;
  /** Ms since the epoch when `escalateTo` may stand in; null when escalation is disabled. */
  escalateAtMs: number | null;
  /** The escalation role, or null when escalation is disabled. */
  escalateTo: ApprovalAuthority | null;
  /** Only human votes count. */
  humanRequired: boolean;
  /** Why this routing cannot lead to an approval (an authority with fewer eligible members than its
   *  quorum, an unknown approver). Non-empty means: fix the config or catalog and route again; votes are
   *  refused and the tally never approves. */
  problems: string[];
  /** What works but deserves a look (escalation that cannot reach its quorum, a name that is both a
   *  role and a team). Never blocks. */
  warnings: string[];
}

/** What `routeApproval` decides on. */
export interface RouteApprovalParams {
  actionId: string;
  /** `Decision.approvers` of a require_approval decision (`$owner` already resolved to the team).
   *  Bare names resolve to a role when configured or built in (`platform-lead`, `security`, `finance`),
   *  else to a team; `role:x`, `team:x` and `group:default/x` say which. */
  decisionApprovers: readonly string[];
  target: { owner: string; tier: Tier; service: string };
  /** The action's estimated impact, as given to the policy engine. */
  impact: { costUsdMonth: number; errorBudgetCost: number };
  /** Fraction of the target's error budget left now (1 untouched, 0 spent, negative overspent); null
   *  when unknown (no SLO). */
  errorBudgetRemaining: number | null;
  reversible: boolean;
  proposer: { id: string; kind: PrincipalKind };
  /** Routing time, ms since the epoch. */
  nowMs: number;
  /** Team name → member ids (catalog `Group` members); see `teamsFromCatalog`. */
  teams: Readonly<Record<string, readonly string[]>>;
  config: ApprovalsConfig;
}

/** Who votes: an authenticated identity. `roles` and `teams` come from it (an API key's role and team
 *  scope) and qualify the voter as a member of those roles and teams. */
export interface Voter {
  id: string;
  kind: PrincipalKind;
  roles: string[];
  teams: string[];
}

/** One vote on an action. */
export interface Vote {
  voter: Voter;
  decision: 'approve' | 'reject';
  /** Ms since the epoch. */
  atMs: number;
  comment?: string | undefined;
}

/** Where an approval request stands. */
export type ApprovalState = 'pending' | 'approved' | 'rejected' | 'expired';

/** An authority short of its quorum. */
export interface MissingApproval {
  authority: string;
  need: number;
  have: number;
}

/** The outcome of the votes so far. */
export interface TallyResult {
  state: ApprovalState;
  /** Ids of authorities at their quorum, including those the escalation role stood in for. */
  satisfied: string[];
  /** Ids of the authorities the escalation role stood in for (a subset of `satisfied`). */
  viaEscalation: string[];
  /** Authorities still short, with their own approvals counted. */
  missing: MissingApproval[];
  /** Escalation time was reached before the request was decided or expired. */
  escalated: boolean;
  /** The escalation role's progress once escalated, else null. */
  escalation: MissingApproval | null;
  /** When the request was approved or rejected (ms since the epoch); null while pending or expired. */
  decidedAtMs: number | null;
  /** Id of the voter whose reject decided, else null. */
  rejectedBy: string | null;
}
