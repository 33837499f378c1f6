/** Prometheus rule files: loading with located errors, Go alert templates, and group evaluation. */
export { loadRuleFile, parseRuleFile, type LoadOptions } from './load.js';
export { RuleFileError, type AlertingRuleSpec, type RecordingRuleSpec, type RuleFileAlertSettings, type RuleGroupSpec, type RuleSpec, type RuleFileProblem } from './model.js';
export { RuleGroupRunner, RuleEvaluationError, type RuleAlert, type RuleContext } from './evaluate.js';
export { parseTemplate, TemplateError, type Template, type TemplateData } from './go-template.js';
export { goFloat, humanize, humanizeDuration, humanizePercentage } from './go-format.js';
export { groupKey, loadConfiguredRuleFiles, ruleFilePaths, type ConfiguredRuleFiles } from './configured.js';
export { RuleFileEngine, ruleId, type RuleFileEngineOptions } from './engine.js';
