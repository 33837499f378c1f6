import { statSync } from 'node:fs';
import path from 'node:path';
import type { Daemon } from '../../../daemon/index.js';
import type { OpsConfig } from '../../../config/index.js';
import type { ExecutionService } from '../../../executions/index.js';

const services = new WeakMap<OpsConfig, Promise<ExecutionService>>();

export function configDir(daemon: Daemon): string {
  const p = path.resolve(daemon.options.configPath);
  try {
    return statSync(p).isDirectory() ? p : path.dirname(p);
  } catch {
    return path.dirname(p);
  }
}

/**
 * The execution service for the running config: the daemon's own when it has one, else one over
 * the same store (executions live in the store, so any instance sees them all).
 */
export function executionsFor(daemon: Daemon): Promise<ExecutionService> {
  const own = (daemon as unknown as { executions?: ExecutionService }).executions;
  if (own) return Promise.resolve(own);
  const config = daemon.config;
  let svc = services.get(config);
  if (!svc) {
    svc = (async () => {
      // Loaded on use: executors and the runbook reader are heavy.
      const mod = await import('../../../executions/index.js');
      // The runbooks the config load read and validated with this config: not read again.
      return new mod.ExecutionService({ store: daemon.store, clock: daemon.clock, config, baseDir: configDir(daemon), runbooks: daemon.runbooks, incidents: mod.storeIncidentLink(daemon.store) });
    })();
    services.set(config, svc);
    svc.catch(() => services.delete(config));
  }
  return svc;
}
