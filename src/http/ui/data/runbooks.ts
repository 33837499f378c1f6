import path from 'node:path';
import { glob } from 'tinyglobby';
import type { Daemon } from '../../../daemon/index.js';
import type { OpsConfig } from '../../../config/index.js';
import type { Runbook } from '../../../runbooks/index.js';
import { configDir } from './executions.js';

export interface LoadedRunbooks {
  runbooks: Runbook[];
  /** Files that could not be read, with why. */
  problems: Array<{ file: string; message: string }>;
}

// One read per config: a reload gives a new config object and so a fresh read.
const cache = new WeakMap<OpsConfig, Promise<LoadedRunbooks>>();


/** The runbooks `runbooks:` names (paths or globs relative to the config), read and classified. */
export function loadRunbooks(daemon: Daemon): Promise<LoadedRunbooks> {
  const config = daemon.config;
  let loaded = cache.get(config);
  if (!loaded) {
    loaded = read(configDir(daemon), config.runbooks.files, config.runbooks.phases);
    cache.set(config, loaded);
  }
  return loaded;
}

async function read(base: string, patterns: string[], phases: OpsConfig['runbooks']['phases']): Promise<LoadedRunbooks> {
  // Loaded on use: the reader starts the SQL parser's WASM module.
  const { readRunbook } = await import('../../../runbooks/index.js');
  const files = patterns.length ? (await glob(patterns, { cwd: base, onlyFiles: true })).sort() : [];
  const out: LoadedRunbooks = { runbooks: [], problems: [] };
  for (const file of files) {
    try {
      out.runbooks.push(await readRunbook(path.join(base, file), { file, phases }));
    } catch (e) {
      out.problems.push({ file, message: (e as Error).message });
    }
  }
  return out;
}

/** URL-safe name of a runbook file for `/runbooks/:file`. */
export function runbookSlug(file: string): string {
  return encodeURIComponent(file);
}
