/**
 * Alerts: rules over check results and their state machine.
 *
 * - `buildRules(checks, config.rules)` gives every rule to run: one implicit rule per check on its
 *   level (`check:ID`; warning → P3, critical → P1 unless the check's `severity:` maps them) plus
 *   the configured `rules:` (a condition such as `value > 1000`, `for:`, `keep_firing_for`, labels,
 *   annotations templated with `{{ value }}` / `{{ labels.NAME }}`, `runbook: FILE#ID`, `severity:`).
 * - `AlertEngine.open(store, clock, rules, checks)` is the evaluator with persisted state: feed it
 *   every CheckResult (`onCheckResult`), arm a timer at `nextDueAt()` and call `tick()`. Both
 *   return `AlertEvent`s (`firing` / `resolved`) for the incident engine.
 * - `RuleEvaluator` is the same without I/O (tests, `opsbook test`).
 * - External sources (Alertmanager webhook, events API) build `AlertEvent`s themselves; use
 *   `seriesKey(ruleId, labels)` for their dedup key so repeats of one alert join one incident.
 */
export type { AlertEvent, AlertRule, AlertState, CheckInfo, Labels, SeriesState, SeverityMap } from './types.js';
export { DEFAULT_SEVERITY_MAP } from './types.js';
export { parseRuleCondition, ruleConditionHolds, type RuleCondition } from './condition.js';
export { renderTemplate, templateProblems } from './template.js';
export { seriesKey } from './series.js';
export { RuleEvaluator, severityOf } from './evaluator.js';
export { AlertEngine, type CommitEvents } from './engine.js';
export { buildRules, checkInfoFromConfig, implicitRuleId, severityMapOf } from './rules.js';
export * from './ingest/index.js';
