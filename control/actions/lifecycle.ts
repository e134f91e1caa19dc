import { InputError } from '../../core/errors.ts';

/** Every state an action can be in. */
export const actionStates = [
  'proposed',
  'denied',
  'pending_approval',
  'approved',
  'executing',
  'succeeded',
  'failed',
  'rolled_back',
  'expired',
  'cancelled',
] as const;
/** One of {@link actionStates}. */
export type ActionState = (typeof actionStates)[number];

/** The moves the lifecycle allows. Policy decides the first one (deny, approval, or straight to
 *  approved); an approved action may still be cancelled or expire before it runs; a finished
 *  execution may be rolled back, and a failed one too (a partial change is undone). */
export const TRANSITIONS: Readonly<Record<ActionState, readonly ActionState[]>> = {
  proposed: ['denied', 'pending_approval', 'approved', 'cancelled'],
  pending_approval: ['approved', 'denied', 'expired', 'cancelled'],
  approved: ['executing', 'expired', 'cancelled'],
  executing: ['succeeded', 'failed'],
  succeeded: ['rolled_back'],
  failed: ['rolled_back'],
  denied: [],
  rolled_back: [],
  expired: [],
  cancelled: [],
};

/** States no action leaves. */
export const TERMINAL_STATES: ReadonlySet<ActionState> = new Set(
  actionStates.filter((s) => TRANSITIONS[s].length === 0),
);

/** Whether the lifecycle allows moving from `from` to `to`. */
export function canTransition(from: ActionState, to: ActionState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Checks a move and returns the new state; an invalid one throws an InputError that says which
 *  moves the current state allows. */
export function transition(actionId: string, from: ActionState, to: ActionState): ActionState {
  if (canTransition(from, to)) return to;
  const allowed = TRANSITIONS[from];
  throw new InputError(
    allowed.length === 0
      ? `action ${actionId} is ${from}, a final state: it cannot become ${to}`
      : `action ${actionId} cannot go from ${from} to ${to} (from ${from} it can become ${allowed.join(', ')})`,
  );
}

/** The state an action's event history leads to, checking every step: the first event must be
 *  `proposed` and each later one a valid move. Event sourcing's replay, in one place. */
export function replay(actionId: string, states: readonly ActionState[]): ActionState {
  const [first, ...rest] = states;
  if (first !== 'proposed') {
    throw new InputError(`action ${actionId} must start as proposed (got ${first ?? 'no events'})`);
  }
  return rest.reduce((state, next) => transition(actionId, state, next), first);
}
