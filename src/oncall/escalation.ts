import type { EscalationPolicy, EscalationTarget } from './types.js';

/**
 * The escalation of one incident as a pure state machine: each function takes the saved state and
 * a clock instant and returns the new state plus the notifications to send. The state is plain
 * JSON meant to be saved as one row; `nextAt` is the only timer, so a restarted process finds due
 * escalations with `nextAt <= now` and calls `onTimer`, which catches up on everything missed.
 */

export type EscalationStatus = 'active' | 'acknowledged' | 'resolved' | 'exhausted';

export interface EscalationState {
  version: 1;
  policyId: string;
  incidentId: string;
  status: EscalationStatus;
  /** Step last notified (0-based). */
  stepIndex: number;
  /** Round through the steps (0-based; a policy with `repeat: N` runs rounds 0…N). */
  round: number;
  startedAt: number;
  /** When the current step was notified. */
  stepStartedAt: number;
  /** When the current step times out unacknowledged; null once stopped. */
  stepDeadline: number | null;
  /** When the severity's response target passes; null when there is none or it has fired. */
  responseDeadline: number | null;
  /** The earlier of the two deadlines: when `onTimer` must next run. Null when nothing is pending. */
  nextAt: number | null;
  stoppedAt: number | null;
  stoppedBy: string | null;
}

export interface EscalationIncident {
  id: string;
  /** When the incident opened; the response target counts from here (defaults to the start instant). */
  openedAt?: number;
  /** The severity's response target (e.g. P1: 1 hour), if it has one. */
  responseTargetMs?: number;
}

export type EscalationReason = 'start' | 'timeout' | 'response_target';

export type EscalationAction =
  | {
      type: 'notify';
      /** Stable per incident, policy, round and step: receivers and the outbox dedupe on it. */
      key: string;
      incidentId: string;
      policyId: string;
      stepIndex: number;
      round: number;
      targets: EscalationTarget[];
      reason: EscalationReason;
      /** The instant the notification fell due (earlier than `now` when catching up after a restart). */
      at: number;
    }
  | { type: 'exhausted'; incidentId: string; policyId: string; at: number };

export interface EscalationResult {
  state: EscalationState;
  actions: EscalationAction[];
}

function withNextAt(s: EscalationState): EscalationState {
  const pending = [s.stepDeadline, s.responseDeadline].filter((t): t is number => t !== null);
  return { ...s, nextAt: pending.length ? Math.min(...pending) : null };
}

function notify(policy: EscalationPolicy, s: EscalationState, reason: EscalationReason, at: number): EscalationAction {
  return {
    type: 'notify',
    key: `${s.incidentId}/${s.policyId}/r${s.round}/s${s.stepIndex}`,
    incidentId: s.incidentId,
    policyId: s.policyId,
    stepIndex: s.stepIndex,
    round: s.round,
    targets: policy.steps[s.stepIndex]!.targets,
    reason,
    at,
  };
}

/** The step after the current one, wrapping into the next round; undefined after the last. */
function nextPosition(policy: EscalationPolicy, s: EscalationState): { stepIndex: number; round: number } | undefined {
  if (s.stepIndex + 1 < policy.steps.length) return { stepIndex: s.stepIndex + 1, round: s.round };
  if (s.round < policy.repeat) return { stepIndex: 0, round: s.round + 1 };
  return undefined;
}

function checkPolicy(policy: EscalationPolicy, state: { policyId: string }): void {
  if (policy.id !== state.policyId) throw new Error(`escalation state is for policy ${state.policyId}, not ${policy.id}`);
  if (policy.steps.length === 0) throw new Error(`escalation policy ${policy.id} has no steps`);
}

/** Opens an escalation: notifies the first step now and arms its timeout and the response target. */
export function startEscalation(policy: EscalationPolicy, incident: EscalationIncident, now: number): EscalationResult {
  checkPolicy(policy, { policyId: policy.id });
  const responseDeadline =
    policy.escalateOnResponseTarget && incident.responseTargetMs !== undefined
      ? (incident.openedAt ?? now) + incident.responseTargetMs
      : null;
  const state = withNextAt({
    version: 1,
    policyId: policy.id,
    incidentId: incident.id,
    status: 'active',
    stepIndex: 0,
    round: 0,
    startedAt: now,
    stepStartedAt: now,
    stepDeadline: now + policy.steps[0]!.timeoutMs,
    responseDeadline,
    nextAt: null,
    stoppedAt: null,
    stoppedBy: null,
  });
  const first = notify(policy, state, 'start', now);
  // A response target that had already passed when escalation began fires at once.
  const caughtUp = onTimer(policy, state, now);
  return { state: caughtUp.state, actions: [first, ...caughtUp.actions] };
}

/**
 * Runs every deadline due at or before `now`, in time order. A step timeout moves to the next step
 * (or the next round); the response target passing moves to the next step at once, and is ignored
 * when there is no next step (the last step keeps its own timeout). After the last step of the
 * last round times out, the escalation is exhausted.
 */
export function onTimer(policy: EscalationPolicy, state: EscalationState, now: number): EscalationResult {
  checkPolicy(policy, state);
  if (state.status !== 'active') return { state, actions: [] };
  const actions: EscalationAction[] = [];
  let s = state;
  const bound = policy.steps.length * (policy.repeat + 1) + 2;
  for (let i = 0; i < bound && s.nextAt !== null && s.nextAt <= now; i++) {
    const due = s.nextAt;
    const reason: EscalationReason =
      s.responseDeadline !== null && s.responseDeadline === due ? 'response_target' : 'timeout';
    const next = nextPosition(policy, s);
    if (reason === 'response_target') {
      s = { ...s, responseDeadline: null };
      if (!next) {
        s = withNextAt(s);
        continue;
      }
    }
    if (!next) {
      s = withNextAt({ ...s, status: 'exhausted', stepDeadline: null, responseDeadline: null, stoppedAt: due });
      actions.push({ type: 'exhausted', incidentId: s.incidentId, policyId: s.policyId, at: due });
      break;
    }
    s = withNextAt({ ...s, ...next, stepStartedAt: due, stepDeadline: due + policy.steps[next.stepIndex]!.timeoutMs });
    actions.push(notify(policy, s, reason, due));
  }
  return { state: s, actions };
}

function stop(state: EscalationState, status: 'acknowledged' | 'resolved', now: number, by?: string): EscalationState {
  if (state.status !== 'active') return state;
  return { ...state, status, stepDeadline: null, responseDeadline: null, nextAt: null, stoppedAt: now, stoppedBy: by ?? null };
}

/** An acknowledgement stops the escalation: no further steps are notified. */
export function acknowledgeEscalation(state: EscalationState, now: number, by?: string): EscalationState {
  return stop(state, 'acknowledged', now, by);
}

/** Resolving the incident stops its escalation too. */
export function resolveEscalation(state: EscalationState, now: number, by?: string): EscalationState {
  return stop(state, 'resolved', now, by);
}
