/** Row types of the executions domain. Instants are epoch milliseconds; JSON is stored as text. */

/** One run of a runbook procedure: its plan, who started it, how it ended. */
export interface ExecutionsTable {
  /** Sortable id (`exe_…`). */
  id: string;
  /** The procedure reference `FILE#ID` as resolved (the runbook's path and the reader's id). */
  procedure: string;
  title: string;
  service: string | null;
  incident_id: string | null;
  /** running | passed | failed | incomplete | cancelled. */
  state: string;
  /** manual | cron. */
  trigger: string;
  started_by: string;
  started_at: number;
  finished_at: number | null;
  updated_at: number;
  /** The plan as JSON: steps, commands, parameters (secret values never stored). */
  plan: string;
}

/** One transcript entry: a command run (or refused, or not runnable), a manual step ticked, a note. */
export interface ExecutionEntriesTable {
  /** Sortable id (`xen_…`). */
  id: string;
  execution_id: string;
  seq: number;
  /** 1-based step number in the plan. */
  step: number;
  /** 1-based command number in the step; 0 for a manual step or a note. */
  command: number;
  /** command | tick | note. */
  kind: string;
  actor: string;
  at: number;
  duration_ms: number | null;
  target: string | null;
  effect: string | null;
  /** The command as it ran, parameters bound, secrets masked. */
  text: string;
  /** running | ok | failed | timeout | cancelled | interrupted | refused | not_runnable | ticked | noted. */
  status: string;
  exit_code: number | null;
  /** How the run was allowed: read | pre_approved | confirmed | yes (JSON with who, or null). */
  approval: string | null;
  /** First bytes of stdout/stderr (the cap); the full text is in execution_outputs when cut. */
  stdout: string;
  stderr: string;
  stdout_bytes: number;
  stderr_bytes: number;
  truncated: number;
  /** Extra facts as JSON (reason not runnable, rows, the exact script). */
  data: string;
}

/** Full output of an entry whose stdout/stderr passed the transcript cap. */
export interface ExecutionOutputsTable {
  entry_id: string;
  /** stdout | stderr. */
  stream: string;
  content: string;
}

/** A lease: one destructive execution per service at a time, across processes. */
export interface ExecutionLocksTable {
  service: string;
  execution_id: string;
  holder: string;
  acquired_at: number;
  expires_at: number;
}

/** Achieved recovery figures of a procedure with `recovery_test`, one row per run. */
export interface RecoveryTestsTable {
  execution_id: string;
  procedure: string;
  started_at: number;
  /** When the verification step finished; null when the run never reached it. */
  verified_at: number | null;
  achieved_rto_ms: number | null;
  target_rto_ms: number;
  target_rpo_ms: number;
  /** 1 when verified within the RTO target. */
  met: number;
}

/** Per scheduled procedure, the latest due time some process claimed to run (one row each). */
export interface ProcedureRunsTable {
  /** The `procedures:` key (`FILE#ID`). */
  procedure: string;
  due_at: number;
  /** The cluster member (or `local` on one process) that claimed it. */
  claimed_by: string;
  claimed_at: number;
}

/** A step being run now: one row per (execution, step), so a second press in any process is refused. */
export interface RunningStepsTable {
  execution_id: string;
  step: number;
  /** The process running it (`run_…`, or the cluster member `member_…`), as its `running` entries name it. */
  runner: string;
  /** Who pressed it. */
  actor: string;
  started_at: number;
  /** The fencing epoch of this take of the step (from `running_step_epoch`): each take has a greater one. */
  epoch: number;
}

/** One row (id 1): the last fencing epoch given to a take of a step. */
export interface RunningStepEpochTable {
  id: number;
  epoch: number;
}

/** PostgreSQL outside a cluster: a process running steps and its heartbeat (database time, epoch ms). */
export interface ExecutionRunnersTable {
  /** `run_…`. */
  id: string;
  host: string;
  pid: number;
  started_at: number;
  heartbeat_at: number;
  expires_at: number;
}

/** The executions domain's tables, by name (merged into `Database`). */
export interface ExecutionTables {
  executions: ExecutionsTable;
  execution_entries: ExecutionEntriesTable;
  execution_outputs: ExecutionOutputsTable;
  execution_locks: ExecutionLocksTable;
  recovery_tests: RecoveryTestsTable;
  procedure_runs: ProcedureRunsTable;
  running_steps: RunningStepsTable;
  running_step_epoch: RunningStepEpochTable;
  execution_runners: ExecutionRunnersTable;
}
