/** Running runbook steps: executors, parameters, approvals, transcripts, audit, cron procedures. */
export type {
  Approval,
  EntryStatus,
  ExecutionEnding,
  ExecutionOutcome,
  ExecutionState,
  ExecutionSummary,
  ExecutorName,
  ParameterSource,
  Plan,
  PlannedCommand,
  PlannedStep,
  PlanParameter,
  StepRunResult,
  TranscriptEntry,
} from './types.js';
export { countExecutions, ExecutionService, InProcessExecutions, listExecutions, listTranscript, type ExecutionDeps, type PlanOptions, type StartOptions } from './service.js';
export type { RunStepOptions } from './step-runner.js';
export { authorise, type Confirmation, type Decision, type GateSettings } from './safety.js';
export { buildPlan, settingsFor, flattenSteps, DEFAULT_TIMEOUT_MS, type PlanInput, type BuiltPlan } from './plan.js';
export { bindParameters, maskSecrets, paramKey, parseParamFlags, looksSecret, MASK, type ParamValues } from './params.js';
export { rewritePlaceholders, envNameOf } from './shell-syntax.js';
export { executorSet, executorFor, runInProcessGroup, which, type PreparedCommand, type ExecutorOutcome } from './executors/index.js';
export { computeOutcome, recoveryTime } from './outcome.js';
export { markInterruptedSteps, INTERRUPTED_TEXT } from './interrupted.js';
export { OpsbookStopped, STOPPED_STEPS_GRACE_MS, type StopStepsOptions } from './stop-steps.js';
export { TRANSCRIPT_CAP_BYTES, capText, describeEntry } from './transcript.js';
export { exportMarkdown } from './export.js';
export { recoveryTestHistory, type RecoveryTestResult } from './recovery.js';
export { ProcedureScheduler, runUnattended, type SchedulerOptions, type UnattendedRun } from './scheduler.js';
export { storeProcedureClaims } from './procedure-claims.js';
export { checkProcedureSettings, procedureSettingsValidator, unattendedProblems } from './config-validator.js';
export { checkRunbookReferences } from './runbook-references.js';
export { loadConfiguredRunbooks, readConfiguredRunbooks, resolveProcedure, type RunbookReadProblem } from './runbooks.js';
export { closeExecutionsOfIncident, type CloseDeps } from './close-with-incident.js';
export { storeIncidentLink, type IncidentLink } from './incident-link.js';
export { audit, type ExecutionLogger } from './audit.js';
