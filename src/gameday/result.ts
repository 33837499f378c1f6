import type { PointInTimeResult } from './point-in-time.js';
import type { CommandReport } from './diagnosis.js';

/** Progress of a game day, as it happens. */
export interface GameDayEvent {
  kind: 'world' | 'baseline' | 'scenario' | 'step' | 'scenario-done' | 'drill';
  system: string;
  scenario?: string;
  text: string;
  passed?: boolean;
}

export interface ScenarioResult {
  id: string;
  title: string;
  passed: boolean;
  /** Every expectation that did not hold, in words. */
  failures: string[];
  seconds: number;
  /** Real seconds per phase of the response (fault on, until fired, negative control …). */
  phases?: Record<string, number>;
  expected: { alert: string; severity: string; severitySource: string; runbook: string };
  /** What the fault did, in words; `standIn` when it only switched a stand-in's figures (no server of that kind here). */
  fault: { text: string; standIn: boolean };
  incident?: { id: string; title: string; severity: string; runbook?: string };
  alert?: { rule: string; severity: string; runbook?: string };
  diagnosis?: { executionId: string; procedure: string; commands: CommandReport[] };
  /** The first page: where it reached and how many simulated minutes after the incident opened. */
  page?: { path: string; minute: number };
  /** Nobody acknowledged: who the next level paged, at which minute after the first page (and the configured one). */
  escalation?: { to: string; minute: number; expectedMinute: number };
  /** The signed acknowledge link's answer and the incident's state after it. */
  acknowledged?: { status: number; state: string; by: string };
  /**
   * The same scenario with its resolution skipped: `held` when the incident stayed open with its
   * alert firing over the verification window (as it must); otherwise the scenario proves nothing.
   */
  negativeControl: { ran: boolean; held: boolean; text: string };
  resolution?: { by: 'runbook' | 'mend'; text: string; actor: string; output: string; why?: string };
  /** Simulated minutes from the resolution to the incident's resolution. */
  resolvedAfterMinutes?: number;
  verification?: string;
  review?: { /** Where it was kept (`--reviews DIR`); absent when it was checked and not kept. */ file?: string; entries: number; /** Template questions and Post-Incident items carried as open items. */ templateItems?: number };
  /** Channels opsbook reported failing while paging (each a failure: every channel reaches a loopback peer). */
  failingChannels?: string[];
}

/** A maintenance window or silence drill: the page held while it lasts, then released (window) or never sent (silence). */
export interface DrillResult {
  kind: 'maintenance' | 'silence';
  scenario: string;
  passed: boolean;
  failures: string[];
  text: string;
  seconds: number;
}

interface RecoveryBase {
  procedure: string;
  passed: boolean;
  failures: string[];
  /** Real seconds from the start of the restore to the verified database. */
  achievedRtoSeconds: number;
  objective: { rpoMinutes: number; rtoMinutes: number };
  seconds: number;
}

/** A real backup (pg_dump) restored into a scratch database, measured against the procedure's objective. */
export interface DumpRecoveryResult extends RecoveryBase {
  method: 'pg_dump';
  backupBytes: number;
  tables: number;
  rows: number;
  /** Simulated minutes of writes the restore does not have (the newest write lost). */
  achievedRpoMinutes: number;
}

/** The cluster's base backup and archived WAL recovered to a target time in a scratch cluster (point-in-time.ts). */
export type PointInTimeRecoveryResult = RecoveryBase & PointInTimeResult & { method: 'point_in_time' };

/** One recovery test of the system (gameday.yaml `recovery:`). */
export type RecoveryResult = DumpRecoveryResult | PointInTimeRecoveryResult;

export interface GameDayResult {
  system: string;
  seed: string;
  dir: string;
  /** Where the daemon under test kept its state. */
  store: 'sqlite' | 'postgres';
  /** Incidents open before any fault (a world that is not healthy to begin with). */
  baseline: string[];
  scenarios: ScenarioResult[];
  drills: DrillResult[];
  /** The recovery tests, in the order gameday.yaml lists them (none in a part without the drills). */
  recoveries: RecoveryResult[];
  /** Real seconds spent on each part: world, baseline, scenarios, drills, recovery tests. */
  timings: Record<string, number>;
  passed: number;
  failed: number;
  /** Notifications the receiver refused (bad signature, stale timestamp). */
  rejectedWebhooks: string[];
  seconds: number;
  /** How many worlds the game day ran in (parts.ts); one when absent. */
  worlds?: number;
  /** Worlds that failed (their build, their daemon): each also fails its own scenarios. */
  worldFailures?: WorldFailure[];
}

/** A world of a game day that failed: the part it ran (its scenarios, or the drills) and why. */
export interface WorldFailure {
  part: string;
  error: string;
}
