import type { Evidence, Score, ScoreComponent, ScoreOptions, SourceRef } from '../types.ts';
import { clamp, MAX_EVIDENCE_ITEMS, makeScore, pct, resolveWeights, sourceOf } from './score.ts';

/** Access activity of an account (or the platform) over one window, counted by the SQL. */
export interface SecurityInput {
  subject: string;
  scope?: 'service' | 'team' | 'platform';
  fromMs: number;
  toMs: number;
  /** All access events in the window; 0 means no access telemetry, and the counts score null. */
  totalNow: number;
  rootEvents: number;
  privilegedEvents: number;
  /** Privileged events made without MFA (a subset of `privilegedEvents`). */
  privilegedWithoutMfa: number;
  deniedNow: number;
  /** Usual denial ratio (denied / total) over a longer baseline, 0–1; null when unknown. */
  deniedBaseline: number | null;
  /** Principals whose first event falls in the window. */
  newPrincipals: { principal: string; firstSeenMs: number }[];
  /** Per principal, how many actions it is granted and which were not used in `unusedAfterDays`;
   *  unset when grants are not known. */
  grants?: { principal: string; grantedCount: number; unusedActions: string[] }[];
  /** The look-back behind `unusedActions`, days. */
  unusedAfterDays?: number;
  /** Rows behind the counts; components add `access` columns (`root`, `privileged`, `mfa`, `result`,
   *  `principal`) to its filter. @default { table: 'access', filter: {} } */
  source?: SourceRef;
}

/** Options of `scoreSecurity`. */
export interface SecurityOptions extends ScoreOptions {
  /** Fewest denied events before a denial ratio can count as a spike. @default 20 */
  minDenied?: number;
  weights?: Partial<Record<SecurityComponentName, number>>;
}

/** The components of a security score. */
export type SecurityComponentName =
  | 'root use'
  | 'privileged without MFA'
  | 'denial spike'
  | 'new principals'
  | 'unused privileges';

/** Relative weights of the security components. */
export const DEFAULT_SECURITY_WEIGHTS: Record<SecurityComponentName, number> = {
  'root use': 0.3,
  'privileged without MFA': 0.25,
  'denial spike': 0.15,
  'new principals': 0.1,
  'unused privileges': 0.2,
};

/** Points off per root event: root should never be used day to day, so two uses score 0. */
export const ROOT_EVENT_PENALTY = 50;
/** Points off per new principal: new principals are normal, ten in one window are not. */
export const NEW_PRINCIPAL_PENALTY = 10;
/** A denial ratio this many times the baseline is a spike. */
export const DENIAL_SPIKE_FACTOR = 3;
/** Fewest denied events before a spike counts. */
export const DEFAULT_MIN_DENIED = 20;

/** Scores access security: root use, privileged use without MFA, denial spikes, new principals,
 *  unused privileges. */
export function scoreSecurity(input: SecurityInput, options: SecurityOptions): Score {
  const w = resolveWeights(DEFAULT_SECURITY_WEIGHTS, options.weights);
  const ref = input.source ?? { table: 'access', filter: {} };
  const source = (extra: Record<string, string> = {}) => sourceOf(ref, input, extra);
  const hasAccess = input.totalNow > 0;
  const none = (name: SecurityComponentName, detail = 'no access events in the window'): ScoreComponent => ({
    name,
    value: null,
    weight: w[name],
    detail,
    evidence: [],
  });
  const fact = (
    kind: string,
    description: string,
    value: number,
    extra?: Record<string, string>,
    threshold?: number,
  ): Evidence => ({
    kind,
    subject: input.subject,
    description,
    value,
    ...(threshold === undefined ? {} : { threshold }),
    source: source(extra),
  });

  const root: ScoreComponent = hasAccess
    ? {
        name: 'root use',
        value: clamp(100 - ROOT_EVENT_PENALTY * input.rootEvents),
        weight: w['root use'],
        detail: `${input.rootEvents} root event(s)`,
        evidence: [
          fact('root-use', `${input.rootEvents} action(s) by the root user`, input.rootEvents, { root: 'true' }, 0),
        ],
      }
    : none('root use');

  const mfaShare = input.privilegedEvents > 0 ? input.privilegedWithoutMfa / input.privilegedEvents : 0;
  const mfa: ScoreComponent = hasAccess
    ? {
        name: 'privileged without MFA',
        value: 100 * (1 - mfaShare),
        weight: w['privileged without MFA'],
        detail: `${input.privilegedWithoutMfa} of ${input.privilegedEvents} privileged actions without MFA (${pct(mfaShare)})`,
        evidence: [
          fact(
            'privileged-without-mfa',
            `${input.privilegedWithoutMfa} of ${input.privilegedEvents} privileged actions without MFA`,
            mfaShare,
            { privileged: 'true', mfa: 'false' },
            0,
          ),
        ],
      }
    : none('privileged without MFA');

  const denial = denialSpike(input, options.minDenied ?? DEFAULT_MIN_DENIED, w['denial spike'], fact);

  const n = input.newPrincipals.length;
  const principals: ScoreComponent = hasAccess
    ? {
        name: 'new principals',
        value: clamp(100 - NEW_PRINCIPAL_PENALTY * n),
        weight: w['new principals'],
        detail: `${n} principal(s) seen for the first time`,
        evidence:
          n > 0
            ? input.newPrincipals.slice(0, MAX_EVIDENCE_ITEMS).map((p) => ({
                kind: 'new-principal',
                subject: p.principal,
                description: `first seen ${new Date(p.firstSeenMs).toISOString()}`,
                source: source({ principal: p.principal }),
              }))
            : [fact('new-principals', 'no principal seen for the first time', 0)],
      }
    : none('new principals');

  return makeScore(
    'security',
    input.scope ?? 'platform',
    input.subject,
    [root, mfa, denial, principals, unused(input, w['unused privileges'], source)],
    options.nowMs,
  );
}

type Fact = (
  kind: string,
  description: string,
  value: number,
  extra?: Record<string, string>,
  threshold?: number,
) => Evidence;

/** A spike is a denial ratio at least `DENIAL_SPIKE_FACTOR` × baseline with at least `minDenied`
 *  denials; it scores (factor × baseline) / ratio × 100, so twice the spike threshold scores 50. */
function denialSpike(input: SecurityInput, minDenied: number, weight: number, fact: Fact): ScoreComponent {
  const name = 'denial spike';
  if (input.totalNow <= 0) return { name, value: null, weight, detail: 'no access events in the window', evidence: [] };
  if (input.deniedBaseline === null)
    return { name, value: null, weight, detail: 'no denial baseline yet', evidence: [] };
  const ratio = input.deniedNow / input.totalNow;
  const limit = DENIAL_SPIKE_FACTOR * input.deniedBaseline;
  const spike = input.deniedNow >= minDenied && ratio > limit;
  const value = spike ? clamp((100 * limit) / ratio) : 100;
  const detail = `${input.deniedNow} of ${input.totalNow} denied (${pct(ratio)}) against a ${pct(input.deniedBaseline)} baseline${spike ? `: spike (> ${DENIAL_SPIKE_FACTOR}× baseline)` : input.deniedNow < minDenied ? ` (below ${minDenied} denials, not a spike)` : ''}`;
  return { name, value, weight, detail, evidence: [fact('denial-ratio', detail, ratio, { result: 'denied' }, limit)] };
}

/** Share of granted actions that were exercised in the look-back; unset grants score null. */
function unused(
  input: SecurityInput,
  weight: number,
  source: (extra?: Record<string, string>) => Evidence['source'],
): ScoreComponent {
  const name = 'unused privileges';
  const grants = input.grants;
  const granted = grants?.reduce((a, g) => a + g.grantedCount, 0) ?? 0;
  if (!grants || granted <= 0) return { name, value: null, weight, detail: 'no grant inventory', evidence: [] };
  const unusedCount = grants.reduce((a, g) => a + Math.min(g.unusedActions.length, g.grantedCount), 0);
  const days = input.unusedAfterDays === undefined ? '' : ` in ${input.unusedAfterDays} days`;
  const offenders = grants.filter((g) => g.unusedActions.length > 0);
  const evidence: Evidence[] =
    offenders.length > 0
      ? [...offenders]
          .sort((a, b) => b.unusedActions.length - a.unusedActions.length || a.principal.localeCompare(b.principal))
          .slice(0, MAX_EVIDENCE_ITEMS)
          .map((g) => ({
            kind: 'unused-grant',
            subject: g.principal,
            description: `${g.unusedActions.length} of ${g.grantedCount} granted actions unused${days}: ${g.unusedActions.slice(0, 10).join(', ')}${g.unusedActions.length > 10 ? ', …' : ''}`,
            value: g.unusedActions.length,
            threshold: 0,
            source: source({ principal: g.principal }),
          }))
      : [
          {
            kind: 'grants-checked',
            subject: input.subject,
            description: `all ${granted} granted actions used${days}`,
            value: 0,
            source: source(),
          },
        ];
  return {
    name,
    value: 100 * (1 - unusedCount / granted),
    weight,
    detail: `${unusedCount} of ${granted} granted actions unused${days}`,
    evidence,
  };
}
