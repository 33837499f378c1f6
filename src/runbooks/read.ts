import { readFile } from 'node:fs/promises';
import { OpsbookError } from '../lib/errors/index.js';
import type { Runbook } from './model.js';
import { parseRunbook, type ParseOptions } from './parse.js';

/** Read and parse a runbook file (any extension). Unreadable files throw OPSBOOK_E_RUNBOOK_READ naming the path. */
export async function readRunbook(path: string, options: ParseOptions = {}): Promise<Runbook> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as NodeJS.ErrnoException).code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new OpsbookError('OPSBOOK_E_RUNBOOK_READ', `cannot read runbook: ${reason}`, { location: { file: path }, cause: e });
  }
  return parseRunbook(text, { ...options, file: options.file ?? path });
}
