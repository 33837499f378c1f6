/**
 * The on-call model as the engines use it, after config validation: instants are epoch
 * milliseconds, local clock times are minutes after midnight, lengths are wall-clock milliseconds.
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

/** How a layer's users take turns. */
export interface Rotation {
  /** Wall-clock length of one shift: `1d` is one local calendar day (23 or 25 real hours across DST). */
  lengthMs: number;
  /** Local time of day the first shift starts, in minutes after midnight (`09:00` → 540). */
  handoffMinutes: number;
  /** Local date (`YYYY-MM-DD`) of the first shift; before it the layer has nobody on call. */
  start: string;
}

/** A daily window (on the listed days) in which the layer is on call; outside every window, nobody is. */
export interface Restriction {
  /** Days the window starts on; all seven when absent. */
  days?: Weekday[];
  /** Minutes after local midnight. */
  startMinutes: number;
  /** Minutes after local midnight; at or before `startMinutes` means the window ends the next day. */
  endMinutes: number;
}

export interface Layer {
  name: string;
  users: string[];
  rotation: Rotation;
  restrictions?: Restriction[];
}

/** Someone covering a time range: the whole schedule, or one layer when `layer` is set. */
export interface Override {
  user: string;
  start: number;
  end: number;
  /** Index into `layers`; absent means the override beats every layer. */
  layer?: number;
  /** Set on overrides made at runtime (API, CLI, UI); config overrides have none. */
  id?: string;
  /** Whose shift it covers, when said. */
  covers?: string;
  reason?: string;
  /** Both halves of a swap share it. */
  swap?: string;
}

export interface Schedule {
  id: string;
  name?: string;
  /** IANA time zone the rotation's handoffs, dates and restrictions are read in. */
  timeZone: string;
  /** Later layers win over earlier ones wherever they have someone on call. */
  layers: Layer[];
  overrides: Override[];
  /** How long before a shift begins its person is reminded (`shift_reminder`); 0 or absent: never. */
  reminderMs?: number;
}

/** Who is on call at an instant, and why. */
export interface OnCall {
  user: string;
  /** Index of the layer that put them there; absent for a schedule-wide override. */
  layer?: number;
  /** Index into `overrides` when an override put them there. */
  override?: number;
}

/** One continuous stretch with the same person on call. */
export interface Shift extends OnCall {
  start: number;
  end: number;
}

export type EscalationTarget = { user: string } | { schedule: string } | { channel: string };

export interface EscalationStep {
  targets: EscalationTarget[];
  /** How long this step waits for an acknowledgement before the next step is notified. */
  timeoutMs: number;
  /** Severities this step applies to; absent means every severity. Other incidents skip it. */
  severities?: string[];
  /**
   * A timed step: notified once the incident has been open this long and is still unresolved,
   * acknowledged or not ("P1 unresolved > 1 h → VP"). It stands outside the step-by-step chain.
   */
  afterOpenMs?: number;
}

/** When a paged person is reached, and through which of their contact kinds (all when absent). */
export interface PersonalRule {
  afterMs: number;
  via?: string[];
}

export interface EscalationPolicy {
  id: string;
  name?: string;
  steps: EscalationStep[];
  /** Extra rounds through all steps after the first; 0 means the steps run once. */
  repeat: number;
  /** When an incident's severity response target passes unacknowledged, go to the next step at once. */
  escalateOnResponseTarget: boolean;
}
