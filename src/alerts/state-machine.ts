import type { CheckLevel } from '../checks/types.js';
import type { AlertState, SeriesState } from './types.js';

/**
 * One rule × series as a pure state machine: inactive → pending → firing → resolved. Each step
 * takes the saved state and returns the new one with the transition it made, if any. Timers are
 * instants in the state (`activeSince + for`, `keepFiringUntil`), so `advance` can run them late
 * after a restart and still date each transition when it fell due.
 */

export interface SeriesInput {
  at: number;
  /** Whether the condition holds (level rules: warning or critical). */
  active: boolean;
  value?: number;
  level?: CheckLevel;
}

export interface Timing {
  forMs: number;
  keepFiringForMs: number;
}

export type Transition = { to: 'firing' | 'resolved'; at: number } | undefined;

export function initialSeries(seriesKey: string, ruleId: string, labels: Record<string, string>, at: number): SeriesState {
  return {
    seriesKey, ruleId, labels, state: 'inactive', activeSince: null, firingSince: null, keepFiringUntil: null,
    lastValue: null, lastActive: false, lastLevel: null, firedSeverity: null, updatedAt: at,
  };
}

function isIdle(state: AlertState): boolean {
  return state === 'inactive' || state === 'resolved';
}

/** Applies one observation. Timers that fell due before it run first (`advance`). */
export function observe(s0: SeriesState, input: SeriesInput, timing: Timing): { state: SeriesState; transitions: Transition[] } {
  const transitions: Transition[] = [];
  const before = advance(s0, input.at, timing);
  if (before.transition) transitions.push(before.transition);
  let s: SeriesState = {
    ...before.state,
    lastActive: input.active,
    lastValue: input.value ?? before.state.lastValue,
    lastLevel: input.level ?? before.state.lastLevel,
    updatedAt: input.at,
  };
  if (input.active) {
    if (isIdle(s.state)) s = { ...s, state: 'pending', activeSince: input.at, keepFiringUntil: null };
    if (s.state === 'firing') s = { ...s, keepFiringUntil: null };
  } else if (s.state === 'pending') {
    s = { ...s, state: 'inactive', activeSince: null };
  } else if (s.state === 'firing' && s.keepFiringUntil === null) {
    s = { ...s, keepFiringUntil: input.at + timing.keepFiringForMs };
  }
  const after = advance(s, input.at, timing);
  if (after.transition) transitions.push(after.transition);
  return { state: after.state, transitions };
}

/** Runs the one timer due at or before `now`: `for:` elapsing, or `keep_firing_for` running out. */
export function advance(s: SeriesState, now: number, timing: Timing): { state: SeriesState; transition: Transition } {
  const due = dueAt(s, timing);
  if (due === undefined || due > now) return { state: s, transition: undefined };
  if (s.state === 'pending') {
    return { state: { ...s, state: 'firing', firingSince: due, keepFiringUntil: null }, transition: { to: 'firing', at: due } };
  }
  return {
    state: { ...s, state: 'resolved', activeSince: null, firingSince: null, keepFiringUntil: null, firedSeverity: null },
    transition: { to: 'resolved', at: due },
  };
}

/** When the series next changes by itself, if it will. */
export function dueAt(s: SeriesState, timing: Timing): number | undefined {
  if (s.state === 'pending' && s.lastActive && s.activeSince !== null) return s.activeSince + timing.forMs;
  if (s.state === 'firing' && s.keepFiringUntil !== null) return s.keepFiringUntil;
  return undefined;
}
