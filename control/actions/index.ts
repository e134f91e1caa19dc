/** The action lifecycle: the states an action moves through and the moves allowed between them. */
export {
  type ActionState,
  actionStates,
  canTransition,
  replay,
  TERMINAL_STATES,
  TRANSITIONS,
  transition,
} from './lifecycle.ts';
