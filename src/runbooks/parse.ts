import { loadSqlParser } from './classify/sql-parser.js';
import type { Runbook } from './model.js';
import { readRunbookText, type ParseOptions } from './read-text.js';

export type { ParseOptions };

// Synchronous for any runbook: the PostgreSQL parser loads here, at import, for every user of the
// runbooks domain. Only the config load (reader.ts) reads runbooks without it, loading it when one needs it.
await loadSqlParser();

/**
 * Read a markdown runbook into the Runbook model. Never throws on odd input: what cannot be
 * understood becomes a warning with its line.
 */
export function parseRunbook(text: string, options: ParseOptions = {}): Runbook {
  return readRunbookText(text, options);
}
