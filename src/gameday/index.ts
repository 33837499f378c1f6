/** Game days: a seed system's stand-in world on loopback, faults injected, the real daemon observed. */
export { runGameDay, type GameDayOptions } from './runner.js';
export { planParts, runGameDays, splitStore, systemResult, type GameDaysOptions, type Part, type PartGroup } from './parts.js';
export { DRILLS, estimateScenarioSeconds, expectedSeconds, longestFirst, readRecordedSeconds, writeRecordedSeconds, type RecordedSeconds } from './schedule.js';
export { loadGameDaySpec, gameDaySpecSchema, SPEC_FILE, type GameDaySpec, type Scenario } from './spec.js';
export { formatGameDay, formatRecovery, formatScenarioLines, formatSummary } from './report.js';
export type { DrillResult, GameDayEvent, GameDayResult, RecoveryResult, ScenarioResult, WorldFailure } from './result.js';
export type { CommandReport, CommandOutcome } from './diagnosis.js';
export type { GameDayStore } from './world.js';
