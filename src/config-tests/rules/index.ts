/** `opsbook test rules`: promtool's rule unit tests (same file format, judgement and exit codes). */
export { runRulesTestFile, formatRulesTestResults, type RulesTestFileResult, type RulesTestOptions } from './run.js';
export { readRulesTestFile, type RulesTestFile } from './test-file.js';
