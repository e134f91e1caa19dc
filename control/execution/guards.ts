import type { ControlConfig } from '../../core/config/index.ts';
import type { ActionView } from '../actions/view.ts';

/** What the guards know at the moment of execution. */
export interface GuardInput {
  action: Pick<ActionView, 'id' | 'type' | 'service' | 'team' | 'impact'>;
  /** From the action type: the change can hurt the service. */
  addsRisk: boolean;
  nowMs: number;
  /** The target service's burn-rate alert, from the latest scoring pass. */
  burnSeverity: 'none' | 'ticket' | 'page';
  /** Executions started in the last hour of this action's type, and of its team. */
  startedLastHour: { type: number; team: number };
}

/** Why an action is held back, with the guard that says so. */
export interface Hold {
  guard: 'blast_radius' | 'freeze' | 'change_window' | 'slo_guard' | 'rate_limit';
  reason: string;
  /** The hold is for good (blast radius): the action fails instead of waiting. */
  final?: boolean;
}

type ExecutionConfig = ControlConfig['execution'];

/** The first guard that holds the action, or undefined when it may run now. Remediations (actions
 *  that add no risk: more capacity, undoing a bad change) pass freezes, change windows and the SLO
 *  guard: they are what a burning service needs. Limits apply to every action. */
export function checkGuards(input: GuardInput, config: ExecutionConfig): Hold | undefined {
  const { action, nowMs } = input;
  if (action.impact.blastRadius > config.maxBlastRadius) {
    return {
      guard: 'blast_radius',
      reason: `it touches ${action.impact.blastRadius} resources, more than maxBlastRadius ${config.maxBlastRadius}`,
      final: true,
    };
  }
  if (input.addsRisk) {
    const freeze = activeFreeze(config.freezes, nowMs);
    if (freeze) {
      return {
        guard: 'freeze',
        reason: `change freeze until ${new Date(Date.parse(freeze.to)).toISOString()}${freeze.reason ? ` (${freeze.reason})` : ''}`,
      };
    }
    if (config.changeWindows.length > 0 && !inChangeWindow(config.changeWindows, nowMs)) {
      const next = nextWindowStart(config.changeWindows, nowMs);
      return {
        guard: 'change_window',
        reason: `outside the change windows${next === undefined ? '' : `; the next opens at ${new Date(next).toISOString()}`}`,
      };
    }
    if (input.burnSeverity === 'page') {
      return {
        guard: 'slo_guard',
        reason: `the fast burn-rate alert of ${action.service} is firing: ${action.type} would add risk, so it waits until the alert clears`,
      };
    }
  }
  if (input.startedLastHour.type >= config.maxPerTypePerHour) {
    return {
      guard: 'rate_limit',
      reason: `${input.startedLastHour.type} ${action.type} actions ran in the last hour (maxPerTypePerHour ${config.maxPerTypePerHour})`,
    };
  }
  if (input.startedLastHour.team >= config.maxPerTeamPerHour) {
    return {
      guard: 'rate_limit',
      reason: `${input.startedLastHour.team} actions of team ${action.team} ran in the last hour (maxPerTeamPerHour ${config.maxPerTeamPerHour})`,
    };
  }
  return undefined;
}

type Window = ExecutionConfig['changeWindows'][number];

/** The freeze in force at `nowMs`, if any. */
export function activeFreeze(
  freezes: ExecutionConfig['freezes'],
  nowMs: number,
): ExecutionConfig['freezes'][number] | undefined {
  return freezes.find((f) => nowMs >= Date.parse(f.from) && nowMs < Date.parse(f.to));
}

/** Whether `nowMs` falls in one of the windows (UTC). */
export function inChangeWindow(windows: readonly Window[], nowMs: number): boolean {
  const d = new Date(nowMs);
  const hour = d.getUTCHours() + d.getUTCMinutes() / 60;
  return windows.some((w) => w.days.includes(d.getUTCDay()) && hour >= w.startHourUtc && hour < w.endHourUtc);
}

/** The start of the next window within a week, epoch ms. */
export function nextWindowStart(windows: readonly Window[], nowMs: number): number | undefined {
  const dayStart = Math.floor(nowMs / 86_400_000) * 86_400_000;
  let best: number | undefined;
  for (let day = 0; day <= 7; day++) {
    const base = dayStart + day * 86_400_000;
    const weekday = new Date(base).getUTCDay();
    for (const w of windows) {
      if (!w.days.includes(weekday)) continue;
      const start = base + w.startHourUtc * 3_600_000;
      if (start > nowMs && (best === undefined || start < best)) best = start;
    }
  }
  return best;
}
