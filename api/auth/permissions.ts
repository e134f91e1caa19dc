/** API key roles, from least to most trusted (agent is apart: an automated proposer). */
export const ROLES = ['viewer', 'analyst', 'operator', 'approver', 'agent', 'admin'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** What a request may do. Fields and mutations name the permission they need; roles grant sets of them. */
export const PERMISSIONS = [
  /** Scores, health, maturity, services, SLOs, cost, anomalies, forecasts, insights, recommendations. */
  'read',
  /** Actions with their decisions and steps, audit records and integrity, policies. */
  'read:control',
  /** Acknowledge insights, dismiss recommendations. */
  'triage',
  /** Propose actions, execute dry runs. */
  'propose',
  /** Execute and cancel approved actions. */
  'execute',
  /** Vote on actions awaiting approval. */
  'approve',
  /** Subscriptions to recommendation, insight, action and audit events. */
  'subscribe',
] as const;
/** One of {@link PERMISSIONS}. */
export type Permission = (typeof PERMISSIONS)[number];

/** The permissions of each role. An approver cannot propose or execute (separation of duties); an agent
 *  proposes and follows its actions but never approves. */
export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['read'],
  analyst: ['read', 'read:control', 'triage', 'subscribe'],
  operator: ['read', 'read:control', 'triage', 'subscribe', 'propose', 'execute'],
  approver: ['read', 'read:control', 'subscribe', 'approve'],
  agent: ['read', 'read:control', 'subscribe', 'propose'],
  admin: [...PERMISSIONS],
};

/** Who is calling: the API key that authenticated the request. */
export interface ApiPrincipal {
  /** The key's public id (`ak_…`). */
  keyId: string;
  /** Who holds it: a person's or an agent's name; the actor id in the audit log. */
  name: string;
  role: Role;
  /** The team the key is limited to, or null for every team. */
  team: string | null;
}

/** Whether a principal holds a permission. */
export function can(principal: ApiPrincipal | null, permission: Permission): boolean {
  return principal !== null && ROLE_PERMISSIONS[principal.role].includes(permission);
}

/** Whether a principal may see or act on something owned by `team` (team scope). */
export function inScope(principal: ApiPrincipal | null, team: string): boolean {
  return principal !== null && (principal.team === null || principal.team === team);
}
