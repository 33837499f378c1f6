import fs from 'node:fs';
import path from 'node:path';
import { SystemClock } from '../lib/clock.js';
import { OpsbookError } from '../lib/errors/index.js';
import type { OpsConfig } from '../config/index.js';
import type { Store } from '../store/index.js';
import type { Actor } from '../identity/index.js';
import type { Runbook } from '../runbooks/index.js';

/**
 * The config a command uses: `--config`, else OPSBOOK_CONFIG, else ./ops.yaml, else ./ops/.
 */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  if (flag) return flag;
  if (env.OPSBOOK_CONFIG) return env.OPSBOOK_CONFIG;
  if (fs.existsSync('ops.yaml')) return 'ops.yaml';
  if (fs.existsSync('ops') && fs.statSync('ops').isDirectory()) return 'ops';
  return 'ops.yaml';
}

export interface LocalContext {
  config: OpsConfig;
  /** Directory relative paths in the config resolve against. */
  baseDir: string;
  /** The runbooks of the config, as its load read and validated them. */
  runbooks: Runbook[];
  store: Store;
  clock: SystemClock;
  close: () => Promise<void>;
}

/** Loads the config and opens its store (migrated unless told not to) for a one-shot local command. */
export async function openLocal(configFlag: string | undefined, env: NodeJS.ProcessEnv, options: { migrate?: boolean } = {}): Promise<LocalContext> {
  const { describeConfigProblems } = await import('../config/index.js');
  const { loadOpsConfig } = await import('../daemon/config.js');
  const configPath = resolveConfigPath(configFlag, env);
  const loaded = await loadOpsConfig(configPath, { env });
  if (!loaded.ok) {
    throw new OpsbookError('OPSBOOK_E_CONFIG_INVALID', describeConfigProblems(configPath, loaded.issues));
  }
  const store = await openLocalStore(loaded.config, loaded.baseDir, options);
  return { config: loaded.config, baseDir: loaded.baseDir, runbooks: loaded.runbooks, store, clock: new SystemClock(), close: () => store.close() };
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
