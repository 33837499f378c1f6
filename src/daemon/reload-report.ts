import type { RestartOnlySetting } from '../config/index.js';
import type { Logger } from './logger.js';
import type { DaemonMetrics } from './metrics.js';

export interface AcceptedReload {
  /** The config files read. */
  files: string[];
  /** The files seen to change that caused the reload (relative to the config's folder); none for a SIGHUP. */
  changed: string[];
  /** The rule files and the runbooks read (relative to the config's folder). */
  ruleFiles: string[];
  runbooks: string[];
  /** Restart-only settings the files change: their running value stays in force. */
  restartNeeded: readonly RestartOnlySetting[];
  /** Parts that kept running the old config, and why. */
  kept: readonly string[];
}

/**
 * Says what an accepted reload did: counted `applied`, or `partial` when a part kept the old config
 * or a setting waits for a restart; `opsbook_config_restart_needed` names the settings waiting; and
 * one log line, a warning naming them when anything was not applied.
 */
export function reportReload(logger: Logger, metrics: DaemonMetrics, r: AcceptedReload): void {
  metrics.configRestartNeeded.reset();
  for (const setting of r.restartNeeded) metrics.configRestartNeeded.set({ setting }, 1);
  metrics.configReloads.inc({ result: r.kept.length || r.restartNeeded.length ? 'partial' : 'applied' });
  const read = {
    config: r.files,
    ...(r.changed.length ? { changed: r.changed } : {}),
    ...(r.ruleFiles.length ? { rule_files: r.ruleFiles } : {}),
    ...(r.runbooks.length ? { runbooks: r.runbooks } : {}),
  };
  if (r.restartNeeded.length === 0) {
    if (r.kept.length) logger.warn({ ...read, kept: r.kept }, 'config reloaded; some parts keep the running config');
    else logger.info(read, 'config reloaded');
    return;
  }
  const restart_needed = r.restartNeeded;
  if (r.kept.length) logger.warn({ ...read, restart_needed, kept: r.kept }, 'config reloaded; some parts keep the running config, and these settings take effect on restart');
  else logger.warn({ ...read, restart_needed }, 'config reloaded; these settings take effect on restart');
}
