import type { Command, Effect, PhaseKind } from '../runbooks/index.js';

/** The executors opsbook has; every runnable command goes to one of them. */
export type ExecutorName = 'shell' | 'sql' | 'redis' | 'http';

/** How one command of a plan would run here: the runbook's command (text, line, target, effect, reasons, placeholders) and more. */
export interface PlannedCommand extends Command {
  /** 1-based within its step. */
  number: number;
  /** Placeholder names still without a value. */
  missing: string[];
  executor: ExecutorName | null;
  runnable: boolean;
  /** Why it cannot run here (not installed, a setting is missing, refused by the allow-list). */
  why?: string;
  /** True for lines that are not work of their own (a bare `redis-cli` opening the session whose commands follow). */
  skip?: boolean;
  /** What would run, parameters bound and secrets masked. */
  display: string;
  /** What a destructive confirmation must name (a key, a database, a URL path, the service). */
  confirmation?: string;
}

/** One step of a plan: a command step, or a manual step (prose or a checklist item) a person ticks. */
export interface PlannedStep {
  /** 1-based across the whole procedure, in document order. */
  number: number;
  phase: PhaseKind;
  text: string;
  line: number;
  manual: boolean;
  /** A manual step named under `procedures[…].required`: the procedure does not pass until it is ticked. */
  required: boolean;
  preApproved: boolean;
  /** The most dangerous effect of its commands (manual steps: read). */
  effect: Effect;
  commands: PlannedCommand[];
}

/** A bound parameter as plans and transcripts show it. */
export interface PlanParameter {
  name: string;
  /** The value, or `********` for a secret. */
  shown: string;
  secret: boolean;
  source: ParameterSource;
  /** Chosen by no user: an incident label (anyone with an integration key) or an earlier step's output. */
  untrusted: boolean;
}

export type ParameterSource = 'person' | 'config' | 'incident' | 'service' | 'output';

export interface Plan {
  /** `FILE#ID` with the runbook's path and the reader's id. */
  procedure: string;
  file: string;
  procedureId: string;
  title: string;
  service?: string;
  incidentId?: string;
  steps: PlannedStep[];
  parameters: PlanParameter[];
  /** Placeholder names no source bound, across all steps. */
  missing: string[];
  /** Time limit of each command, ms. */
  timeoutMs: number;
  /** Required items named in settings that match no manual step (a config mistake worth showing). */
  unknownRequired: string[];
  /** Problems binding parameters (an unset environment variable, an unreadable file, an unknown service). */
  problems: string[];
}

/**
 * `running`: the command was started and has not ended yet (written before it is spawned, completed
 * when it ends); `interrupted`: the opsbook process that ran it stopped before it ended.
 */
export type EntryStatus = 'running' | 'ok' | 'failed' | 'timeout' | 'cancelled' | 'interrupted' | 'refused' | 'not_runnable' | 'ticked' | 'noted';

export type ExecutionState = 'running' | 'passed' | 'failed' | 'incomplete' | 'cancelled';

/** How a run was allowed. */
export interface Approval {
  how: 'read' | 'pre_approved' | 'confirmed' | 'yes';
  by: string;
  role: string;
}

/** One transcript entry, as the domain exposes it (post-incident review reads these). */
export interface TranscriptEntry {
  id: string;
  executionId: string;
  seq: number;
  step: number;
  command: number;
  kind: 'command' | 'tick' | 'note';
  actor: string;
  at: number;
  durationMs: number | null;
  target: string | null;
  effect: string | null;
  text: string;
  status: EntryStatus;
  exitCode: number | null;
  approval: Approval | null;
  stdout: string;
  stderr: string;
  stdoutBytes: number;
  stderrBytes: number;
  truncated: boolean;
  data: Record<string, unknown>;
}

export interface ExecutionSummary {
  id: string;
  procedure: string;
  title: string;
  service: string | null;
  incidentId: string | null;
  state: ExecutionState;
  trigger: 'manual' | 'cron';
  startedBy: string;
  startedAt: number;
  finishedAt: number | null;
}

/** Who ended an execution and when: a person's Finish or Cancel, or `system:incident` when its incident resolved. */
export interface ExecutionEnding {
  by: string;
  at: number;
  how: 'finished' | 'cancelled';
}

/** What running one step did. */
export interface StepRunResult {
  executionId: string;
  step: number;
  /**
   * ok: every command ran and succeeded; partial: some could not run here; interrupted: opsbook
   * stopped while it ran (see `reason`); otherwise the first thing that stopped it.
   */
  status: 'ok' | 'partial' | 'failed' | 'timeout' | 'cancelled' | 'interrupted' | 'refused' | 'not_runnable';
  /** Why it was refused, could not run, or was interrupted. */
  reason?: string;
  entries: TranscriptEntry[];
}

/** How an execution ended, with the reasons when it did not pass. */
export interface ExecutionOutcome {
  state: Exclude<ExecutionState, 'running'>;
  reasons: string[];
}
