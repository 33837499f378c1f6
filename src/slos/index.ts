/**
 * SLOs: service level objectives measured from check rollups, error budgets, multi-window
 * multi-burn-rate alerts, recovery point and recovery time against their targets, and the
 * operations report.
 *
 * - `slosFromConfig(config)` → measured SLOs (availability, latency, error_ratio) and
 *   recovery-point objectives.
 * - `SloEvaluator.open(store, clock, slos)`: arm a timer at `nextDueAt()` and call `tick()`; it
 *   returns `AlertEvent`s (rule `slo:ID`, labels `slo`, `urgency`) for the incident engine.
 * - `sloStatus`, `budgetBurndown`, `readEvents`: attainment and budget over any window.
 * - `recoveryPointStatus`, `recoveryTimeStatus`: achieved RPO / RTO with history.
 * - `slosNow(store, config, now)`: every SLO and recovery point as it stands.
 * - `buildReport` → `renderReportMarkdown` / `renderReportHtml` / JSON.
 */
export type { BurnRateAlert, EventCounts, RecoveryPointObjective, Slo, SloWindow, Urgency } from './types.js';
export { slosFromConfig } from './model.js';
export { SloEvaluator, readingsAt, sloRuleId, type BurnReading } from './evaluator.js';
export { attainment, burnRate, countUnder, readEvents } from './sli.js';
export { sloStatus, budgetBurndown, errorBudget, type SloStatus, type ErrorBudget, type BudgetPoint } from './status.js';
export { rollErrorRatioValues } from './values.js';
export { windowAt, periodBounds, nominalWindowMs, calendarStart, type ReportPeriod } from './windows.js';
export { slosNow, type RecoveryPointNow } from './now.js';
export { recoveryPointStatus, recoveryTimeStatus, type RecoveryPointStatus, type RecoveryTimeStatus } from './recovery.js';
export { buildReport, renderReportMarkdown, renderReportHtml, budgetChartSvg, type OperationsReport } from './report/index.js';
export { slosReferencesValidator } from './config-validator.js';
