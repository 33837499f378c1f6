import type { EscalationPolicy, EscalationStep, EscalationTarget } from './types.js';

/**
 * The escalation of one incident as a pure state machine: each function takes the saved state and
 * a clock instant and returns the new state plus the notifications to send. The state is plain
 * JSON meant to be saved as one row; `nextAt` is its only timer (the earliest of the step timeout,
 * the response target, the timed steps and the paged people's later rules), so a restarted process
 * finds due escalations with `nextAt <= now` and calls `onTimer`, which catches up on everything missed.
 */

export type EscalationStatus = 'active' | 'acknowledged' | 'resolved' | 'exhausted';

/** A timed step (`after_open`) waiting for its instant. */
export interface PendingTimedStep {
  stepIndex: number;
  dueAt: number;
}

/** A paged person's later notification rule ("after 5 min unacknowledged: SMS"), waiting for its instant. */
export interface PendingPage {
  /** Stable: the step's key, the person and the rule. */
  key: string;
  stepIndex: number;
  round: number;
  user: string;
  schedule?: string;
  /** Contact kinds this rule uses; all of the person's when absent. */
  via?: string[];
  dueAt: number;
  /** Index of the rule in the person's list (for the timeline). */
  rule: number;
  /** Paged by a timed step: acknowledgement does not stop it, only resolution. */
  untilResolved: boolean;
}

export interface EscalationState {
  version: 1;
  policyId: string;
  incidentId: string;
  status: EscalationStatus;
  /** Step last notified (0-based); -1 when no step of the chain applies to the incident's severity. */
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
  /** When the response target fired (it fires once, whatever the severity changes to later). */
  responseFiredAt?: number;
  /**
   * When the incident's response target passes: if nobody has answered by then, the incident's
   * timeline says the target was missed (whatever the policy's `escalate_on_response_target`).
   * Null or absent when there is none, or it passed already.
   */
  responseMissAt?: number | null;
  /** The latest response target recorded missed: a severity change re-arms only a later one. */
  responseMissedAt?: number;
  /** The earliest pending deadline: when `onTimer` must next run. Null when nothing is pending. */
  nextAt: number | null;
  stoppedAt: number | null;
  stoppedBy: string | null;
  /** The incident's severity when escalation started (steps with `severities` are filtered by it). */
  severity?: string;
  /** Timed steps not yet due; they survive acknowledgement and end at resolution. */
  timed?: PendingTimedStep[];
  /** Timed steps already notified (each is notified once per incident, whatever its severity does). */
  timedFired?: number[];
  /** Later notification rules of paged people, not yet due. */
  pages?: PendingPage[];
  /**
   * The incident's re-open count when this escalation started (absent: its first opening). It is
   * in its chain steps' keys, so a re-opened incident's escalation pages again rather than meeting
   * its first opening's keys in the outbox.
   */
  epoch?: number;
}

export interface EscalationIncident {
  id: string;
  /** Where the incident's response clock started (its opening, a held page's release, a re-opening); the response target and timed steps count from here (defaults to the start instant). */
  openedAt?: number;
  /** The severity's response target (e.g. P1: 1 hour) counted from the opening, if it has one. */
  responseTargetMs?: number;
  severity?: string;
  /** The incident's re-open count (0 or absent: its first opening). */
  epoch?: number;
}

export type EscalationReason = 'start' | 'timeout' | 'response_target' | 'after_open';

export type EscalationAction =
  | {
      type: 'notify';
      /** Stable per incident, opening, policy, round and step (a timed step's: per incident and step): receivers and the outbox dedupe on it. */
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
  | ({ type: 'page'; incidentId: string; policyId: string; at: number } & Omit<PendingPage, 'dueAt'>)
  | { type: 'exhausted'; incidentId: string; policyId: string; at: number }
  /** The incident's response target passed unanswered at `at` (its due time): the timeline says so. */
  | { type: 'response_missed'; incidentId: string; policyId: string; at: number; severity?: string };

export interface EscalationResult {
  state: EscalationState;
  actions: EscalationAction[];
}

function withNextAt(s: EscalationState): EscalationState {
  const pending = [s.stepDeadline, s.responseDeadline, s.responseMissAt ?? null, ...(s.timed ?? []).map((t) => t.dueAt), ...(s.pages ?? []).map((p) => p.dueAt)].filter(
    (t): t is number => t !== null,
  );
  return { ...s, nextAt: pending.length ? Math.min(...pending) : null };
}

/** Whether a step applies to an incident of this severity (every step does when it is unknown). */
export function stepApplies(step: EscalationStep, severity: string | undefined): boolean {
  return !step.severities || severity === undefined || step.severities.includes(severity);
}

const inChain = (step: EscalationStep, severity: string | undefined): boolean => step.afterOpenMs === undefined && stepApplies(step, severity);

function notify(policy: EscalationPolicy, s: EscalationState, reason: EscalationReason, at: number, stepIndex = s.stepIndex, round = s.round): EscalationAction {
  // A chain step is paged once per opening; a first opening's keys are as they always were (pages
  // already in an outbox keep theirs). A timed step counts from where the escalation's clock started
  // (the incident's response clock) and is paged once per incident: a re-opening's escalation meets
  // its key in the outbox.
  const escalation = s.epoch ? `${s.incidentId}/${s.policyId}/e${s.epoch}` : `${s.incidentId}/${s.policyId}`;
  return {
    type: 'notify',
    key: reason === 'after_open' ? `${s.incidentId}/${s.policyId}/open/s${stepIndex}` : `${escalation}/r${round}/s${stepIndex}`,
    incidentId: s.incidentId,
    policyId: s.policyId,
    stepIndex,
    round,
    targets: policy.steps[stepIndex]!.targets,
    reason,
    at,
  };
}

/** The chain step after position (stepIndex, round), wrapping into the next round; undefined after the last. */
function nextPosition(policy: EscalationPolicy, s: Pick<EscalationState, 'stepIndex' | 'round' | 'severity'>): { stepIndex: number; round: number } | undefined {
  let { stepIndex, round } = s;
  for (;;) {
    stepIndex++;
    if (stepIndex >= policy.steps.length) {
      if (round >= policy.repeat) return undefined;
      stepIndex = 0;
      round++;
    }
    if (inChain(policy.steps[stepIndex]!, s.severity)) return { stepIndex, round };
  }
}

function checkPolicy(policy: EscalationPolicy, state: { policyId: string }): void {
  if (policy.id !== state.policyId) throw new Error(`escalation state is for policy ${state.policyId}, not ${policy.id}`);
  if (policy.steps.length === 0) throw new Error(`escalation policy ${policy.id} has no steps`);
}

/**
 * The chain step a running escalation pages next, and when: at its current step's timeout or, when
 * sooner, the response target (with `escalate_on_response_target`), unless someone acknowledges
 * first. Undefined once the chain is stopped, when it waits on nothing, and after its last step
 * (whose timeout only ends the chain). Timed steps and people's later notification rules are not
 * chain steps.
 */
export function nextChainStep(policy: EscalationPolicy, state: EscalationState): { stepIndex: number; round: number; at: number } | undefined {
  if (state.status !== 'active' || policy.id !== state.policyId) return undefined;
  const next = nextPosition(policy, state);
  const due = [state.stepDeadline, state.responseDeadline].filter((t): t is number => t !== null);
  if (!next || due.length === 0) return undefined;
  return { ...next, at: Math.min(...due) };
}

/** The chain step an escalation started for an incident of this severity pages first; undefined when none applies. */
export function firstStep(policy: EscalationPolicy, severity: string | undefined): { stepIndex: number; round: number } | undefined {
  return nextPosition(policy, { stepIndex: -1, round: 0, ...(severity !== undefined ? { severity } : {}) });
}

/** Opens an escalation: notifies the first applicable step now, arms its timeout, the response target and the timed steps. */
export function startEscalation(policy: EscalationPolicy, incident: EscalationIncident, now: number): EscalationResult {
  checkPolicy(policy, { policyId: policy.id });
  const severity = incident.severity;
  const openedAt = incident.openedAt ?? now;
  const first = firstStep(policy, severity);
  const responseDeadline =
    first && policy.escalateOnResponseTarget && incident.responseTargetMs !== undefined ? openedAt + incident.responseTargetMs : null;
  const timed = policy.steps.flatMap((step, stepIndex) =>
    step.afterOpenMs !== undefined && stepApplies(step, severity) ? [{ stepIndex, dueAt: openedAt + step.afterOpenMs }] : [],
  );
  const state = withNextAt({
    version: 1,
    policyId: policy.id,
    incidentId: incident.id,
    status: 'active',
    stepIndex: first?.stepIndex ?? -1,
    round: 0,
    startedAt: now,
    stepStartedAt: now,
    stepDeadline: first ? now + policy.steps[first.stepIndex]!.timeoutMs : null,
    responseDeadline,
    responseMissAt: incident.responseTargetMs !== undefined ? openedAt + incident.responseTargetMs : null,
    nextAt: null,
    stoppedAt: null,
    stoppedBy: null,
    ...(severity !== undefined ? { severity } : {}),
    timed,
    timedFired: [],
    pages: [],
    ...(incident.epoch ? { epoch: incident.epoch } : {}),
  });
  const actions = first ? [notify(policy, state, 'start', now)] : [];
  // A response target or timed step that had already passed when escalation began fires at once.
  const caughtUp = onTimer(policy, state, now);
  return { state: caughtUp.state, actions: [...actions, ...caughtUp.actions] };
}

/**
 * The incident's severity changed while its escalation runs: what is still to come follows the new
 * severity, without going back. The chain's later steps are chosen for the new severity (the step
 * being waited on keeps its timeout; steps behind it are not revisited). The response target is the
 * new severity's, counted from the opening, unless it has fired already (it fires once). Timed steps
 * only the new severity has are added (one already past falls due now); pending ones it lacks are
 * dropped; one already notified is not notified again. A chain people stopped by acknowledging stays
 * stopped: someone owns the incident, and "escalate now" pages further by hand; only its timed steps
 * follow the change. A chain that had nothing to wait on (no step applied, or all ran out) goes on
 * with the new severity's next step at once. Then whatever the change made due runs, as in `onTimer`.
 */
export function reviseEscalation(policy: EscalationPolicy, state: EscalationState, incident: EscalationIncident, now: number): EscalationResult {
  checkPolicy(policy, state);
  if (state.status === 'resolved') return { state, actions: [] };
  const severity = incident.severity;
  const openedAt = incident.openedAt ?? state.startedAt;
  const pending = state.timed ?? [];
  // States saved before `timedFired` existed: a timed step that applied and is no longer pending fired.
  const fired = state.timedFired ?? policy.steps.flatMap((step, i) => (step.afterOpenMs !== undefined && stepApplies(step, state.severity) && !pending.some((t) => t.stepIndex === i) ? [i] : []));
  const kept = pending.filter((t) => stepApplies(policy.steps[t.stepIndex]!, severity));
  const known = new Set([...kept.map((t) => t.stepIndex), ...fired]);
  const added = policy.steps.flatMap((step, stepIndex) =>
    step.afterOpenMs !== undefined && stepApplies(step, severity) && !known.has(stepIndex) ? [{ stepIndex, dueAt: openedAt + step.afterOpenMs }] : [],
  );
  const { severity: _before, ...rest } = state;
  let s: EscalationState = { ...rest, ...(severity !== undefined ? { severity } : {}), timed: [...kept, ...added].sort((a, b) => a.dueAt - b.dueAt), timedFired: fired };
  const actions: EscalationAction[] = [];
  if (s.status === 'active' || s.status === 'exhausted') {
    // A target that passed before the change, its timer not yet run (opsbook busy or down), was missed all the same.
    const passed = s.responseMissAt ?? null;
    if (passed !== null && passed <= now) {
      s = { ...s, responseMissAt: null, responseMissedAt: passed };
      actions.push({ type: 'response_missed', incidentId: s.incidentId, policyId: s.policyId, at: passed, ...(state.severity !== undefined ? { severity: state.severity } : {}) });
    }
    // Nobody has answered: the new target is watched unless one as late or later was missed already.
    const due = incident.responseTargetMs !== undefined ? openedAt + incident.responseTargetMs : null;
    s = { ...s, responseMissAt: due !== null && (s.responseMissedAt === undefined || due > s.responseMissedAt) ? due : null };
    const target = s.responseFiredAt === undefined && policy.escalateOnResponseTarget && incident.responseTargetMs !== undefined ? openedAt + incident.responseTargetMs : null;
    if (s.status === 'active' && s.stepIndex >= 0) s = { ...s, responseDeadline: target };
    else {
      const next = nextPosition(policy, s);
      if (next) {
        const reason: EscalationReason = s.stepIndex < 0 ? 'start' : 'timeout';
        // The step paged now is the response to the change: a target already past does not page the one after it too.
        const responseDeadline = target !== null && target > now ? target : null;
        s = { ...s, ...next, status: 'active', stepStartedAt: now, stepDeadline: now + policy.steps[next.stepIndex]!.timeoutMs, responseDeadline, stoppedAt: null, stoppedBy: null };
        actions.push(notify(policy, s, reason, now));
      }
    }
  }
  s = withNextAt(s);
  const caughtUp = onTimer(policy, s, now);
  return { state: caughtUp.state, actions: [...actions, ...caughtUp.actions] };
}

/** Adds paged people's later rules to the state (the driver resolves who was paged and their rules). */
export function schedulePages(state: EscalationState, pages: PendingPage[]): EscalationState {
  if (pages.length === 0 || state.status === 'resolved') return state;
  const known = new Set((state.pages ?? []).map((p) => p.key));
  return withNextAt({ ...state, pages: [...(state.pages ?? []), ...pages.filter((p) => !known.has(p.key))] });
}

/**
 * Runs every deadline due at or before `now`, in time order. A step timeout moves to the next step
 * (or the next round); the response target passing moves to the next step at once, and is ignored
 * when there is no next step (the last step keeps its own timeout). After the last step of the
 * last round times out, the chain is exhausted. Timed steps and people's later rules fire at their
 * instants, until acknowledgement (rules of chain steps) or resolution (timed steps and their rules).
 */
export function onTimer(policy: EscalationPolicy, state: EscalationState, now: number): EscalationResult {
  checkPolicy(policy, state);
  // A resolved escalation keeps only a missed response target it had not recorded yet (see resolveEscalation).
  if (state.nextAt === null || (state.status === 'resolved' && (state.responseMissAt ?? null) === null)) return { state, actions: [] };
  const actions: EscalationAction[] = [];
  let s = state;
  const bound = policy.steps.length * (policy.repeat + 1) + 3 + (s.timed?.length ?? 0) + (s.pages?.length ?? 0);
  for (let i = 0; i < bound && s.nextAt !== null && s.nextAt <= now; i++) {
    const due = s.nextAt;
    if (s.responseMissAt === due) {
      // Recorded before the step the same instant pages: the timeline reads "missed", then who was paged for it.
      s = withNextAt({ ...s, responseMissAt: null, responseMissedAt: due });
      actions.push({ type: 'response_missed', incidentId: s.incidentId, policyId: s.policyId, at: due, ...(s.severity !== undefined ? { severity: s.severity } : {}) });
      continue;
    }
    if (s.stepDeadline === due || s.responseDeadline === due) {
      s = advanceChain(policy, s, due, actions);
      continue;
    }
    const timed = s.timed?.find((t) => t.dueAt === due);
    if (timed) {
      s = withNextAt({ ...s, timed: s.timed!.filter((t) => t !== timed), timedFired: [...(s.timedFired ?? []), timed.stepIndex] });
      actions.push(notify(policy, s, 'after_open', due, timed.stepIndex, 0));
      continue;
    }
    const page = s.pages?.find((p) => p.dueAt === due);
    if (!page) break;
    s = withNextAt({ ...s, pages: s.pages!.filter((p) => p !== page) });
    const { dueAt: _, ...rest } = page;
    actions.push({ type: 'page', incidentId: s.incidentId, policyId: s.policyId, at: due, ...rest });
  }
  return { state: s, actions };
}

function advanceChain(policy: EscalationPolicy, state: EscalationState, due: number, actions: EscalationAction[]): EscalationState {
  let s = state;
  const reason: EscalationReason = s.responseDeadline !== null && s.responseDeadline === due ? 'response_target' : 'timeout';
  const next = nextPosition(policy, s);
  if (reason === 'response_target') {
    s = { ...s, responseDeadline: null, responseFiredAt: due };
    if (!next) return withNextAt(s);
  }
  if (!next) {
    actions.push({ type: 'exhausted', incidentId: s.incidentId, policyId: s.policyId, at: due });
    return withNextAt({ ...s, status: 'exhausted', stepDeadline: null, responseDeadline: null, stoppedAt: due });
  }
  s = withNextAt({ ...s, ...next, stepStartedAt: due, stepDeadline: due + policy.steps[next.stepIndex]!.timeoutMs });
  actions.push(notify(policy, s, reason, due));
  return s;
}

/** The chain step a person's "escalate now" pages, with what it makes due (see `escalateEscalation`). */
export interface EscalateNowResult extends EscalationResult {
  /** The step paged; undefined when there is none after the current one (nothing is done). */
  step: { stepIndex: number; round: number } | undefined;
}

/**
 * Escalate now: a person pages the chain's next step at once, as if the step being waited on had
 * timed out (the step's notification, keyed as its timeout's would be, and whatever else had
 * fallen due by `now`, as in `onTimer`). The result's state is the chain running from that step,
 * whatever its status was: a chain people had stopped by acknowledging is re-armed (as PagerDuty's
 * escalate re-triggers an incident at the next level), so the step's timeout pages the step after
 * it and the paged people's later rules (the driver adds them) page them again, until someone
 * acknowledges. Nothing (the state as it was, no actions, no step) when the escalation is resolved
 * or the current step is the last.
 */
export function escalateEscalation(policy: EscalationPolicy, state: EscalationState, now: number): EscalateNowResult {
  checkPolicy(policy, state);
  const none = { state, actions: [], step: undefined };
  if (state.status === 'resolved') return none;
  // The current step's timeout made due now; a stopped chain's response target does not come back.
  const forced: EscalationState = {
    ...state,
    status: 'active',
    stepDeadline: now,
    responseDeadline: state.status === 'active' ? state.responseDeadline : null,
    stoppedAt: null,
    stoppedBy: null,
    nextAt: Math.min(state.nextAt ?? now, now),
  };
  const r = onTimer(policy, forced, now);
  const next = r.actions.find((a) => a.type === 'notify' && a.at === now && a.reason !== 'after_open');
  if (!next || next.type !== 'notify') return none;
  return { ...r, step: { stepIndex: next.stepIndex, round: next.round } };
}

/**
 * An acknowledgement stops the chain: no further step is notified, and paged people's later rules
 * are dropped. Timed steps (and the rules of people they paged) go on until resolution. An
 * exhausted chain becomes acknowledged too (it keeps when it ran out): the status says the
 * acknowledgement reached the escalation, which the look for missed pages reads. The response
 * target is no longer watched, unless it passed before the acknowledgement unrecorded (see `unrecordedMiss`).
 */
export function acknowledgeEscalation(state: EscalationState, now: number, by?: string): EscalationState {
  if (state.status === 'resolved' || state.status === 'acknowledged') return state;
  const pages = (state.pages ?? []).filter((p) => p.untilResolved);
  const responseMissAt = unrecordedMiss(state, now);
  if (state.status === 'exhausted') return withNextAt({ ...state, status: 'acknowledged', pages, responseMissAt, stoppedBy: by ?? null });
  return withNextAt({ ...state, status: 'acknowledged', stepDeadline: null, responseDeadline: null, responseMissAt, pages, stoppedAt: now, stoppedBy: by ?? null });
}

/**
 * The response target an answer at `now` leaves to be recorded missed: one that passed before it
 * (strictly: an answer at the due instant is in time) and was not recorded yet, because the timer
 * had not run (opsbook was down, or busy). Null otherwise: answered in time, nothing to record.
 */
function unrecordedMiss(state: EscalationState, now: number): number | null {
  const due = state.responseMissAt ?? null;
  return due !== null && due < now ? due : null;
}

/**
 * Resolving the incident stops everything, timed steps included, and the escalation is resolved
 * whatever its status: the status says the resolution reached it (the look for missed pages reads
 * it). One stopped before (acknowledged, exhausted) keeps when and by whom. A response target that
 * passed before the resolution and was not recorded yet stays due (see `unrecordedMiss`).
 */
export function resolveEscalation(state: EscalationState, now: number, by?: string): EscalationState {
  if (state.status === 'resolved') return state;
  const responseMissAt = unrecordedMiss(state, now);
  const cleared = { ...state, status: 'resolved' as const, stepDeadline: null, responseDeadline: null, responseMissAt, nextAt: responseMissAt, timed: [], pages: [] };
  if (state.status !== 'active') return cleared;
  return { ...cleared, stoppedAt: now, stoppedBy: by ?? null };
}
