import type { AccessSummary, UnusedAccess } from '../inputs/access.ts';
import type { Evidence } from '../types.ts';
import type { Finding } from './types.ts';

/** Options of {@link accessFindings}. */
export interface AccessFindingOptions {
  /** Denial ratio above this multiple of the baseline's is a spike. @default 3 */
  denialSpikeFactor?: number;
  /** Fewest denials in the recent window before a spike is called. @default 20 */
  minDenied?: number;
}

const source = (s: AccessSummary, filter: Record<string, string> = {}) => ({
  table: 'access_1h',
  filter,
  fromMs: s.recentFromMs,
  toMs: s.toMs,
});

/** Risky access: root use, privileged actions without MFA, new principals, a denial spike. One
 *  insight per principal (and one for the platform's denials), so repeats update, not pile up. */
export function accessFindings(s: AccessSummary, options: AccessFindingOptions = {}): Finding[] {
  const out: Finding[] = [];
  const byPrincipal = new Map<string, { root: number; noMfa: number; isNew: boolean; firstSeenMs?: number }>();
  const at = (p: string) => {
    const v = byPrincipal.get(p) ?? { root: 0, noMfa: 0, isNew: false };
    byPrincipal.set(p, v);
    return v;
  };
  for (const r of s.rootPrincipals) at(r.principal).root += r.events;
  for (const r of s.noMfaPrincipals) at(r.principal).noMfa += r.events;
  for (const r of s.newPrincipals) Object.assign(at(r.principal), { isNew: true, firstSeenMs: r.firstSeenMs });

  for (const [principal, v] of byPrincipal) {
    const evidence: Evidence[] = [];
    if (v.root > 0)
      evidence.push({
        kind: 'root-use',
        subject: principal,
        description: `${v.root} actions by the root user`,
        value: v.root,
        threshold: 0,
        source: source(s, { principal }),
      });
    if (v.noMfa > 0)
      evidence.push({
        kind: 'privileged-without-mfa',
        subject: principal,
        description: `${v.noMfa} privileged actions without MFA`,
        value: v.noMfa,
        threshold: 0,
        source: source(s, { principal }),
      });
    if (v.isNew)
      evidence.push({
        kind: 'new-principal',
        subject: principal,
        description: `first seen ${new Date(v.firstSeenMs ?? 0).toISOString()}, never before in the baseline`,
        value: v.firstSeenMs ?? 0,
        source: { ...source(s, { principal }), fromMs: s.baselineFromMs },
      });
    const risky = v.root > 0 || v.noMfa > 0;
    out.push({
      kind: 'risky_access',
      subject: principal,
      service: '',
      team: '',
      severity: v.root > 0 ? 'critical' : risky ? 'warning' : 'info',
      title:
        v.root > 0
          ? `Root user used: ${v.root} actions`
          : v.noMfa > 0
            ? `Privileged actions without MFA by ${principal}`
            : `New principal ${principal}`,
      summary: evidence.map((e) => e.description).join('; '),
      score: v.root > 0 ? 1 : risky ? 0.8 : 0.4,
      evidence,
      recommendations: risky
        ? [
            {
              type: 'enforce_mfa',
              subject: principal,
              title: v.root > 0 ? 'Lock the root user behind MFA and use roles' : `Require MFA for ${principal}`,
              rationale:
                v.root > 0
                  ? 'Root bypasses every permission boundary; day-to-day work belongs to roles with MFA.'
                  : 'Privileged actions without a second factor are one stolen key away from abuse.',
              impactUsdMonth: 0,
              impactRisk: 'removes a credential-theft path to privileged actions',
              confidence: 0.9,
              finops: false,
              evidence,
            },
          ]
        : [],
    });
  }

  const factor = options.denialSpikeFactor ?? 3;
  const minDenied = options.minDenied ?? 20;
  const ratio = s.events > 0 ? s.denied / s.events : 0;
  const baseline = s.baselineEvents > 0 ? s.baselineDenied / s.baselineEvents : 0;
  if (s.denied >= minDenied && ratio > factor * Math.max(baseline, 0.001)) {
    out.push({
      kind: 'risky_access',
      subject: 'denials',
      service: '',
      team: '',
      severity: 'warning',
      title: `Access denials spiked to ${(ratio * 100).toFixed(1)} %`,
      summary: `${s.denied} of ${s.events} requests denied, against ${(baseline * 100).toFixed(2)} % before: probing or a broken deploy`,
      score: Math.min(1, ratio / (factor * Math.max(baseline, 0.001)) / 2),
      evidence: [
        {
          kind: 'denial-spike',
          subject: 'platform',
          description: `denial ratio ${(ratio * 100).toFixed(2)} % vs baseline ${(baseline * 100).toFixed(2)} %`,
          value: ratio,
          threshold: factor * baseline,
          source: source(s, { result: 'denied' }),
        },
      ],
      recommendations: [],
    });
  }
  return out;
}

/** An `unused_access` insight per principal holding privileged actions it has not used in
 *  `unusedDays`, with a recommendation to revoke them. */
export function unusedAccessFindings(
  unused: readonly UnusedAccess[],
  window: { fromMs: number; toMs: number; unusedDays: number },
): Finding[] {
  return unused
    .filter((u) => u.unusedActions.length > 0)
    .map((u) => {
      const evidence: Evidence[] = [
        {
          kind: 'unused-privileges',
          subject: u.principal,
          description: `${u.unusedActions.length} of ${u.exercised} privileged actions unused in ${window.unusedDays} days: ${u.unusedActions.slice(0, 10).join(', ')}${u.unusedActions.length > 10 ? ', …' : ''}`,
          value: u.unusedActions.length,
          threshold: 0,
          source: { table: 'access_1h', filter: { principal: u.principal }, fromMs: window.fromMs, toMs: window.toMs },
        },
      ];
      return {
        kind: 'unused_access',
        subject: u.principal,
        service: '',
        team: '',
        severity: 'info',
        title: `${u.principal.split(/[/:]/).pop()} holds ${u.unusedActions.length} privileged actions it does not use`,
        summary: evidence[0]!.description,
        score: Math.min(1, u.unusedActions.length / Math.max(1, u.exercised)),
        evidence,
        recommendations: [
          {
            type: 'revoke_access',
            subject: u.principal,
            title: `Revoke ${u.unusedActions.length} unused privileged actions from ${u.principal.split(/[/:]/).pop()}`,
            rationale: `not exercised in ${window.unusedDays} days; least privilege shrinks what a stolen credential can do`,
            impactUsdMonth: 0,
            impactRisk: `removes ${u.unusedActions.length} privileged actions from the blast radius of this credential`,
            confidence: 0.7,
            finops: false,
            evidence,
          },
        ],
      };
    });
}
