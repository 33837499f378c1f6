/** The runbook reader: markdown runbooks as structured, classified procedures. */
export type {
  Checklist,
  ChecklistItem,
  CodeBlock,
  Command,
  Effect,
  Link,
  Phase,
  PhaseKind,
  Procedure,
  Runbook,
  RunbookWarning,
  Section,
  Step,
  Table,
  TableKind,
  Target,
} from './model.js';
export { parseRunbook, type ParseOptions } from './parse.js';
export { readRunbook, MAX_RUNBOOK_BYTES } from './read.js';
export { PhaseReader, phaseIs, type PhaseVocabulary } from './phases.js';
export { findProcedure, type ProcedureMatch } from './find.js';
export { classifyBlock, classifyCommand, worse, worst } from './classify/index.js';
export { lintRunbook, type LintFinding } from './lint.js';
export { NO_PROCEDURE_WHY } from './procedures.js';
export { runbookToJson, type RunbookJson, type BlockJson } from './json.js';
export { runbookViewPath } from './view-path.js';
export { resolveRunbookLink, runbookLinkOf, RUNBOOK_ANNOTATIONS, type LinkOptions } from './links.js';
