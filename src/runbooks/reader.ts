/**
 * The runbook reader for code that reads runbook files and must not pay for the PostgreSQL parser
 * up front: the config load (`opsbook validate`, each start and reload of the daemon). `readRunbook`
 * loads the parser only when a runbook has SQL the plain reader does not read. Everything else
 * imports index.ts, whose synchronous `parseRunbook` and classifiers have the parser loaded at import.
 */
export type { Procedure, Runbook } from './model.js';
export { readRunbook, MAX_RUNBOOK_BYTES } from './read.js';
export { PhaseReader, type PhaseVocabulary } from './phases.js';
export { findProcedure, type ProcedureMatch } from './find.js';
export { NO_PROCEDURE_WHY } from './procedures.js';
