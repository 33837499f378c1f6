/** Checks: kinds, the condition language, evaluation, probe state, scheduler and history. */
export type { CheckKind, CheckContext, CheckResult, CheckLevel, CheckStatus, ConditionOutcome, Observation, Placeholders, HeartbeatReader, StoredCheckState } from './types.js';
export { parseCondition, evaluateCondition, ConditionScope, type ParsedCondition } from './conditions/index.js';
export { evaluateCheck, type CheckConditions } from './evaluate-check.js';
export { ProbeState, type ProbeSnapshot, type ProbeThresholds } from './probe-state.js';
export { compileCheck, type CompiledCheck } from './compile.js';
export { validateCheckConditions } from './check-conditions.js';
export { checkThresholds, describeCheckTarget, hasThresholds } from './describe.js';
export { releaseCheckState, runCheckOnce, type RunOnceOptions } from './run-once.js';
export { CHECK_KINDS, checkKind, type CheckKindName } from './kinds/index.js';
export { CHECK_KIND_SCHEMAS, checkKindSchema } from './kinds/schemas.js';
export { CheckScheduler, type SchedulerOptions, type SchedulableCheck } from './scheduler/scheduler.js';
export { phaseOf, nextSlot } from './scheduler/plan.js';
export { createCheckMetrics, type CheckMetrics } from './scheduler/metrics.js';
export { createCheckRunner, type CheckRunner, type CheckRunnerOptions } from './runner.js';
export {
  HistoryWriter,
  rollupAndRetain,
  windowStats,
  windowStatsOf,
  type CheckWindow,
  uptime,
  latencyPercentiles,
  registerHeartbeat,
  recordHeartbeat,
  heartbeatReader,
  LATENCY_BUCKETS_MS,
  type WindowStats,
  type RetentionOptions,
} from './history/index.js';
export { closeHttpAgents } from './kinds/shared/http-request.js';
export { loopDelayMonitor, type LoopDelayMonitor } from './loop-delay.js';
export { DEFAULT_LOOP_DELAY_BOUND_MS } from './overload.js';
