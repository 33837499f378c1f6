import fs from 'node:fs';
import path from 'node:path';
import { SystemClock } from '../lib/clock.js';
import { isConfigFileName } from '../lib/config-file-names.js';
import { OpsbookError } from '../lib/errors/index.js';
import type { OpsConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Actor } from '../identity/index.js';
import type { Runbook } from '../runbooks/index.js';
import type { OpsConfigLoaded } from '../daemon/config.js';

/**
 * The config a command uses: `--config`, else OPSBOOK_CONFIG, else ./ops.yaml, else ./ops/.
 * When ./ops.yaml is taken by default and YAML files beside it hold opsbook sections (a config split
 * over files, as the demo's ops.yaml and paging.yaml), `note` is told once that they are not read:
 * an answer such as "No schedules in ops.yaml" is otherwise read as the truth about the config.
 */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv, note: (line: string) => void = noteOnStderr): string {
  if (flag) return flag;
  if (env.OPSBOOK_CONFIG) return env.OPSBOOK_CONFIG;
  if (fs.existsSync('ops.yaml')) {
    noteUnreadSiblings(note);
    return 'ops.yaml';
  }
  if (fs.existsSync('ops') && fs.statSync('ops').isDirectory()) return 'ops';
  return 'ops.yaml';
}

/**
 * The top-level sections of ops.yaml, by name. The schema itself is not loaded here (a command's
 * `--help` must not pay for it); `src/cli/local.test.ts` keeps the two lists equal.
 */
export const CONFIG_SECTIONS = [
  'server', 'storage', 'users', 'services', 'teams', 'checks', 'rules', 'rule_files', 'severities', 'escalation_policies', 'schedules', 'channels', 'paging',
  'integrations', 'maintenance', 'silences', 'business_hours', 'runbooks', 'procedures', 'slos', 'scrape', 'samples', 'config', 'audit', 'auth', 'status_page', 'review',
] as const;

/** How much of a sibling file is read to see its top-level keys. */
const SIBLING_READ_BYTES = 64 * 1024;

/** YAML files in `dir` other than ops.yaml, each with the opsbook sections it holds at its top level (those holding none left out). */
export function configSiblings(dir = '.'): { file: string; sections: string[] }[] {
  const found: { file: string; sections: string[] }[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => isConfigFileName(n) && n !== 'ops.yaml').sort();
  } catch {
    return found;
  }
  const known = new Set<string>(CONFIG_SECTIONS);
  for (const file of names) {
    let head: string;
    try {
      const fd = fs.openSync(path.join(dir, file), 'r');
      try {
        const buf = Buffer.alloc(SIBLING_READ_BYTES);
        head = buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, 0));
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      continue; // a directory named *.yaml, or unreadable: not a config file of this directory
    }
    const sections = [...new Set([...head.matchAll(/^([a-z_]+):/gm)].map((m) => m[1]!).filter((k) => known.has(k)))];
    if (sections.length > 0) found.push({ file, sections });
  }
  return found;
}

let siblingsNoted = false;

function noteUnreadSiblings(note: (line: string) => void): void {
  if (siblingsNoted) return;
  siblingsNoted = true;
  const siblings = configSiblings();
  if (siblings.length === 0) return;
  const list = siblings.map((s) => `${s.file} (${s.sections.join(', ')})`).join(', ');
  note(`note: reading ./ops.yaml alone; ${list} beside it ${siblings.length === 1 ? 'is' : 'are'} not read. To read this directory's YAML files together, pass --config . (or set OPSBOOK_CONFIG).`);
}

function noteOnStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

export interface LocalContext {
  config: OpsConfig;
  /** Directory relative paths in the config resolve against. */
  baseDir: string;
  store: Store;
  clock: SystemClock;
  close: () => Promise<void>;
}

export interface LocalOptions {
  /** Migrate the store (default true). */
  migrate?: boolean;
  /**
   * Read the files the config names — its rule files and runbooks — and check its references into
   * them, as `serve` does (default false): only the commands that run or show runbooks need them.
   * The others start without reading one, and a broken one does not refuse them.
   */
  runbooks?: boolean;
}

/** A config a local command read: refused with every problem located when it is not valid. */
export interface LocalConfig {
  config: OpsConfig;
  /** The path read: --config, OPSBOOK_CONFIG, ./ops.yaml or ./ops/ (resolveConfigPath). */
  path: string;
  /** Directory relative paths in the config resolve against. */
  baseDir: string;
}

/** Reads and validates the config a local command names (resolveConfigPath); its runbooks only when asked (LocalOptions.runbooks). */
export async function readLocalConfig(configFlag: string | undefined, env: NodeJS.ProcessEnv, options: { runbooks: true }): Promise<LocalConfig & { runbooks: Runbook[] }>;
export async function readLocalConfig(configFlag: string | undefined, env: NodeJS.ProcessEnv, options?: { runbooks?: boolean }): Promise<LocalConfig>;
export async function readLocalConfig(configFlag: string | undefined, env: NodeJS.ProcessEnv, options: { runbooks?: boolean } = {}): Promise<LocalConfig & { runbooks?: Runbook[] }> {
  const { describeConfigProblems } = await import('../config/index.js');
  const { loadOpsConfig, loadOpsConfigAlone } = await import('../daemon/config.js');
  const path = resolveConfigPath(configFlag, env);
  const loaded = options.runbooks ? await loadOpsConfig(path, { env }) : await loadOpsConfigAlone(path, { env });
  if (!loaded.ok) throw new OpsbookError('OPSBOOK_E_CONFIG_INVALID', describeConfigProblems(path, loaded.issues));
  const runbooks = options.runbooks ? (loaded as OpsConfigLoaded).runbooks : undefined;
  return { config: loaded.config, path, baseDir: loaded.baseDir, ...(runbooks ? { runbooks } : {}) };
}

/** Loads the config and opens its store (migrated unless told not to) for a one-shot local command. */
export async function openLocal(configFlag: string | undefined, env: NodeJS.ProcessEnv, options: LocalOptions & { runbooks: true }): Promise<LocalContext & { runbooks: Runbook[] }>;
export async function openLocal(configFlag: string | undefined, env: NodeJS.ProcessEnv, options?: LocalOptions): Promise<LocalContext>;
export async function openLocal(configFlag: string | undefined, env: NodeJS.ProcessEnv, options: LocalOptions = {}): Promise<LocalContext & { runbooks?: Runbook[] }> {
  const { config, baseDir, runbooks } = await readLocalConfig(configFlag, env, options) as LocalConfig & { runbooks?: Runbook[] };
  const store = await openLocalStore(config, baseDir, options);
  return { config, baseDir, ...(runbooks ? { runbooks } : {}), store, clock: new SystemClock(), close: () => store.close() };
}

/** Opens a loaded config's store (migrated unless told not to) for a one-shot local command. */
export async function openLocalStore(config: OpsConfig, baseDir: string, options: { migrate?: boolean } = {}): Promise<Store> {
  // The daemon's store module alone: daemon/index.js would load everything the daemon wires.
  const { openConfiguredStore } = await import('../daemon/store.js');
  const store = await openConfiguredStore(config, baseDir);
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}

/** The acting user for a local command; `fallback` names who acts when neither --as nor OPSBOOK_USER is set. */
export async function cliActor(config: OpsConfig, as: string | undefined, env: NodeJS.ProcessEnv, fallback?: string): Promise<Actor> {
  const { resolveCliActor } = await import('../identity/index.js');
  const actor = resolveCliActor(config.users, as ?? (env.OPSBOOK_USER ? undefined : fallback), env);
  if (!actor) {
    throw new OpsbookError('OPSBOOK_E_AUTH_REQUIRED', 'say who is acting with --as NAME or OPSBOOK_USER=NAME (a user from users:)');
  }
  return actor;
}

export function relativeToCwd(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel.startsWith('..') ? p : rel || '.';
}
