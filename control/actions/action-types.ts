import { z } from 'zod';
import type { ControlConfig } from '../../core/config/index.ts';

/** What an action type acts on: a service, one cloud resource, or a principal (a user or role). */
export type TargetKind = 'service' | 'resource' | 'principal';

/** What AEGIS knows about one action type. */
export interface ActionTypeSpec {
  type: string;
  description: string;
  target: TargetKind;
  /** Strict: an unknown or out-of-range parameter is refused at proposal, naming the field. */
  params: z.ZodType<Record<string, unknown>>;
  /** An executed change can be undone (and so rolled back automatically). */
  reversible: boolean;
  /** It can hurt the service while it runs or after (less capacity, less access), so the SLO guard
   *  holds it while the service's fast burn-rate alert fires. Remediations (more capacity, undoing a
   *  bad change) do not: they are what a burning service needs. */
  addsRisk: boolean;
  /** Share of the target's error budget the change may spend when it goes wrong, 0–1: the policy's
   *  `impact.errorBudgetCost` when the proposer gives none. */
  errorBudgetCost: number;
}

/** The action types AEGIS can carry out: the recommendations the scorer makes. An executor may
 *  support more (agents over NATS); proposals of any other type are refused. */
export const ACTION_TYPES: Readonly<Record<string, ActionTypeSpec>> = {
  scale_up: {
    type: 'scale_up',
    description: 'Add capacity to a service (its compute scaled by `factor`).',
    target: 'service',
    params: z.strictObject({
      /** Capacity multiplier. @default 2 */
      factor: z.number().gt(1, { error: 'must be > 1' }).max(10, { error: 'must be <= 10' }).default(2),
    }),
    reversible: true,
    addsRisk: false,
    errorBudgetCost: 0,
  },
  rightsize: {
    type: 'rightsize',
    description: 'Move an oversized resource to a smaller size (cost and capacity times `factor`).',
    target: 'resource',
    params: z.strictObject({
      /** New size as a share of the current one. @default 0.5 (the next size down) */
      factor: z.number().min(0.1, { error: 'must be >= 0.1' }).lt(1, { error: 'must be < 1' }).default(0.5),
    }),
    reversible: true,
    addsRisk: true,
    errorBudgetCost: 0.05,
  },
  stop_idle: {
    type: 'stop_idle',
    description: 'Stop a resource that has been idle.',
    target: 'resource',
    params: z.strictObject({}),
    reversible: true,
    addsRisk: true,
    errorBudgetCost: 0.02,
  },
  revoke_access: {
    type: 'revoke_access',
    description: "Revoke a principal's access (all of it, or the listed actions).",
    target: 'principal',
    params: z.strictObject({ actions: z.array(z.string().min(1).max(256)).max(100).optional() }),
    reversible: true,
    addsRisk: true,
    errorBudgetCost: 0.02,
  },
  enforce_mfa: {
    type: 'enforce_mfa',
    description: 'Require MFA for a principal.',
    target: 'principal',
    params: z.strictObject({}),
    reversible: true,
    addsRisk: false,
    errorBudgetCost: 0,
  },
  rollback_change: {
    type: 'rollback_change',
    description: "Roll back a service's latest change (the deploy that made it burn).",
    target: 'service',
    params: z.strictObject({ change: z.string().min(1).max(256).optional() }),
    reversible: false,
    addsRisk: false,
    errorBudgetCost: 0,
  },
};

/** The spec of a type, or undefined. */
export function actionTypeSpec(type: string): ActionTypeSpec | undefined {
  return Object.hasOwn(ACTION_TYPES, type) ? ACTION_TYPES[type] : undefined;
}

/** How far AEGIS acts on its own for a type (`control.automation`): its own level, else the default. */
export function automationLevel(
  automation: ControlConfig['automation'],
  type: string,
): ControlConfig['automation']['default'] {
  return automation.types[type] ?? automation.default;
}
