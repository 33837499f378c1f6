import type { RestartOnlySetting } from '../config/index.js';
import type { Logger } from './logger.js';
import type { DaemonMetrics } from './metrics.js';

export interface AcceptedReload {
  /** The config files read. */
  files: string[];
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
  const config = r.files;
  if (r.restartNeeded.length === 0) {
    if (r.kept.length) logger.warn({ config, kept: r.kept }, 'config reloaded; some parts keep the running config');
    else logger.info({ config }, 'config reloaded');
    return;
  }
  const restart_needed = r.restartNeeded;
  if (r.kept.length) logger.warn({ config, restart_needed, kept: r.kept }, 'config reloaded; some parts keep the running config, and these settings take effect on restart');
  else logger.warn({ config, restart_needed }, 'config reloaded; these settings take effect on restart');
}
