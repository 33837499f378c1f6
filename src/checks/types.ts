import type { SampleStore } from '../samples/index.js';
import type { z } from 'zod';
import type { Clock } from '../lib/clock.js';

/** Values a check kind observed, by placeholder name without brackets (`STATUS`, `BODY`, `VALUE`, …). */
export type Placeholders = Record<string, unknown>;

/** What one run of a check kind saw. Conditions are evaluated against `values`. */
export interface Observation {
  values: Placeholders;
  /** Why the probe could not observe (connection refused, timeout). A run with an error is down. */
  error?: string;
  /** The number history keeps for this run (queue length, lag, utilisation …), when the kind has one. */
  value?: number;
  /**
   * Set when this run cannot give a verdict yet, e.g. a counter rate needs a second scrape. Such a
   * run is reported but neither stored nor counted by the probe state.
   */
  pending?: string;
}

/** What a kind gets for one run. */
export interface CheckContext {
  /** Aborted when the check's timeout passes or the runner stops. Kinds must honour it. */
  signal: AbortSignal;
  clock: Clock;
  /** Timeout of this run in ms, for kinds that pass it on (statement_timeout). */
  timeoutMs: number;
  /** The check's id. */
  checkId: string;
  /**
   * State a kind keeps between runs of one check (the previous scrape for counter rates). The runner
   * keeps one object per check for as long as the check exists.
   */
  state: Record<string, unknown>;
  /** Reads heartbeats; given by the runner when a store is wired. */
  heartbeats?: HeartbeatReader;
  /** The sample store scrapes append to (the daemon's); a metrics check keeps its own in `state` without it. */
  samples?: SampleStore;
  /**
   * Placeholders the check's conditions read. A kind may skip copying what nobody reads (response
   * headers, body); when absent, it fills every placeholder.
   */
  reads?: ReadonlySet<string>;
}

export interface HeartbeatReader {
  /** The latest beat of a heartbeat check, or undefined; `since` is when the heartbeat was registered. */
  lastBeat(checkId: string): Promise<{ at?: number; failed: boolean; since: number } | undefined>;
}

/**
 * What validating a config needs of a check kind: its own options, the placeholders it fills and
 * its default conditions (`kinds/<kind>/schema.ts`). No probe code, so reading a config does not
 * load the HTTP client, protocol sessions or drivers' wrappers.
 */
export interface CheckKindSchema<C = Record<string, unknown>> {
  kind: string;
  /** zod object of the kind's own keys (without the common keys). */
  options: z.ZodObject;
  /** Rules across the kind's keys that zod fields cannot say alone; returns the problem, if any. */
  validate?(config: C): string | undefined;
  /** Placeholders the kind fills, without brackets. Conditions naming others fail at load. */
  placeholders: readonly string[];
  /** Conditions used when the check lists none (like a Kubernetes probe's built-in success rule). */
  defaultConditions(config: C): string[];
}

/** One check kind: its schema and how it probes (`kinds/<kind>/index.ts`). */
export interface CheckKind<C = Record<string, unknown>> extends CheckKindSchema<C> {
  run(config: C, ctx: CheckContext): Promise<Observation>;
  /**
   * Builds what every run of the check reuses (an HTTP request's bytes) before its first run. The
   * runner calls it for every check as it starts, so the first round of runs (every check within
   * one interval of the start) costs what later rounds do. Must not throw: a check it cannot prepare
   * is prepared by its first run, which reports the problem as that run's result.
   */
  prepare?(config: C): void;
  /**
   * Lets go of what a kind keeps open in a check's state between runs (a subscription); called when
   * the check's runner stops, and after a run given no state of its own.
   */
  release?(state: Record<string, unknown>): void;
}

/** `unknown`: a verdict withheld because opsbook itself was too slow to time the probe (see overload.ts). */
export type CheckStatus = 'up' | 'down' | 'unknown';
export type CheckLevel = 'ok' | 'warning' | 'critical';

export interface ConditionOutcome {
  /** Which list it came from. */
  list: 'conditions' | 'warning' | 'critical';
  text: string;
  ok: boolean;
  /** The observed value(s) the condition compared, as text. */
  actual: string;
}

export interface CheckResult {
  checkId: string;
  kind: string;
  /** When the run was started (epoch ms). */
  at: number;
  status: CheckStatus;
  level: CheckLevel;
  latencyMs: number;
  value?: number;
  error?: string;
  /** See Observation.pending. */
  pending?: string;
  /** Set on an `unknown` result: how late opsbook's event loop was during the run (ms). */
  loopDelayMs?: number;
  conditions: ConditionOutcome[];
}

/**
 * A check's settled state as the process that ran it before stored it (a restart, a lease move),
 * rebuilt as a verdict: `at` is when its newest stored result was planned; no value, no latency.
 */
export interface StoredCheckState {
  checkId: string;
  at: number;
  /** Absent while the check's status has never settled. */
  status?: Exclude<CheckStatus, 'unknown'>;
  level: CheckLevel;
  /** What the newest stored failing run of the check observed (its failed conditions or error), with that run's time, when one is stored. */
  observed?: { at: number; text: string };
}

export const LEVEL_RANK: Record<CheckLevel, number> = { ok: 0, warning: 1, critical: 2 };
