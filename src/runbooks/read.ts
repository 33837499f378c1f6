import { readFile, stat } from 'node:fs/promises';
import { OpsbookError } from '../lib/errors/index.js';
import { loadSqlParser, SqlParserNotLoaded } from './classify/sql-parser.js';
import type { Runbook } from './model.js';
import { readRunbookText, type ParseOptions } from './read-text.js';

/** The largest runbook read (2 MB; the seeds are under 100 kB): parsing is linear but memory is about 100× the text. */
export const MAX_RUNBOOK_BYTES = 2 * 1024 * 1024;

/**
 * Read and parse a runbook file (any extension). Unreadable files throw OPSBOOK_E_RUNBOOK_READ naming
 * the path. Loads the PostgreSQL parser only for a runbook with SQL the plain reader does not read.
 */
export async function readRunbook(path: string, options: ParseOptions = {}): Promise<Runbook> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_RUNBOOK_BYTES) {
      throw new OpsbookError('OPSBOOK_E_RUNBOOK_TOO_LARGE', `runbook is ${size} bytes, over the limit of ${MAX_RUNBOOK_BYTES}`, { location: { file: options.file ?? path } });
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof OpsbookError) throw e;
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new OpsbookError('OPSBOOK_E_RUNBOOK_READ', `cannot read runbook: ${reason}`, { location: { file: path }, cause: e });
  }
  const parseOptions = { ...options, file: options.file ?? path };
  try {
    return readRunbookText(text, parseOptions);
  } catch (e) {
    if (!(e instanceof SqlParserNotLoaded)) throw e;
  }
  // SQL the plain reader does not read: the PostgreSQL parser loads now (once per process) and the
  // runbook is read again, from the start, with it.
  await loadSqlParser();
  return readRunbookText(text, parseOptions);
}
