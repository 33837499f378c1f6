/**
 * `opsbook test`: offline tests of a whole config. A test file names a config, feeds check results,
 * outside alerts and people's actions on a simulated clock through the real pipeline (rules →
 * incidents → escalation → outbox, on a fresh SQLite store), and compares the alerts, incidents
 * and notifications with what it expects.
 */
export { readTestFile, parseTestFile, testFileSchema, type TestFile, type TestCase } from './format.js';
export { expandSeries, expandNumbers, NotationError, type Step } from './values.js';
export { runTestFile, type FileOutcome, type TestOutcome, type RunOptions } from './runner.js';
export { formatOutcomes, type Report } from './report.js';
export { Simulation, type Snapshot, type SentNotification } from './simulation.js';
