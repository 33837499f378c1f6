import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** opsbook's own metrics, on a registry per daemon (tests run several daemons in one process). */
export interface DaemonMetrics {
  registry: Registry;
  configReloads: Counter<'result'>;
  configLoadedAt: Gauge;
  up: Gauge;
}

export function createDaemonMetrics(version: string): DaemonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const build = new Gauge({ name: 'opsbook_build_info', help: 'opsbook version running.', labelNames: ['version'], registers: [registry] });
  build.set({ version }, 1);
  return {
    registry,
    configReloads: new Counter({
      name: 'opsbook_config_reloads_total',
      help: 'Config reloads by result: applied, partial (a part kept running the old config, logged with why) or rejected.',
      labelNames: ['result'],
      registers: [registry],
    }),
    configLoadedAt: new Gauge({ name: 'opsbook_config_loaded_timestamp_seconds', help: 'When the running config was loaded.', registers: [registry] }),
    up: new Gauge({ name: 'opsbook_up', help: '1 while the daemon is running and not shutting down.', registers: [registry] }),
  };
}
