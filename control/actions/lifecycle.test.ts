import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/errors.ts';
import { type ActionState, actionStates, canTransition, replay, TERMINAL_STATES, transition } from './lifecycle.ts';

describe('action lifecycle', () => {
  it('follows the happy paths: approved directly, or after approval, then executed', () => {
    expect(replay('a1', ['proposed', 'approved', 'executing', 'succeeded'])).toBe('succeeded');
    expect(replay('a2', ['proposed', 'pending_approval', 'approved', 'executing', 'failed', 'rolled_back'])).toBe(
      'rolled_back',
    );
    expect(replay('a3', ['proposed', 'denied'])).toBe('denied');
    expect(replay('a4', ['proposed', 'pending_approval', 'expired'])).toBe('expired');
  });

  it('rejects an invalid move with the moves that are allowed', () => {
    expect(() => transition('a1', 'proposed', 'executing')).toThrow(InputError);
    expect(() => transition('a1', 'proposed', 'executing')).toThrow(
      'action a1 cannot go from proposed to executing (from proposed it can become denied, pending_approval, approved, cancelled)',
    );
    expect(() => transition('a1', 'denied', 'approved')).toThrow(
      'action a1 is denied, a final state: it cannot become approved',
    );
  });

  it('never executes an action that was not approved first', () => {
    for (const from of actionStates) expect(canTransition(from, 'executing')).toBe(from === 'approved');
  });

  it('requires a history to start as proposed', () => {
    expect(() => replay('a1', [])).toThrow('action a1 must start as proposed (got no events)');
    expect(() => replay('a1', ['approved', 'executing'])).toThrow('must start as proposed (got approved)');
  });

  it('has final states that nothing leaves, and replays any walk of allowed moves to where it ended', () => {
    expect([...TERMINAL_STATES].sort()).toEqual(['cancelled', 'denied', 'expired', 'rolled_back']);
    fc.assert(
      fc.property(fc.array(fc.nat(9), { maxLength: 20 }), (picks) => {
        // A random walk over allowed moves stays inside the lifecycle and ends where replay says.
        const states: ActionState[] = ['proposed'];
        for (const p of picks) {
          const current = states.at(-1) as ActionState;
          const next = actionStates.filter((s) => canTransition(current, s));
          if (next.length === 0) break;
          states.push(next[p % next.length] as ActionState);
        }
        expect(replay('walk', states)).toBe(states.at(-1));
      }),
    );
  });
});
