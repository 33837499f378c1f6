import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/** opsbook's own metrics, on a registry per daemon (tests run several daemons in one process). */
export interface DaemonMetrics {
  registry: Registry;
  configReloads: Counter<'result'>;
  /** 0 after a rejected reload, until one is applied; 1 otherwise (as Prometheus' own). */
  configLastReloadSuccessful: Gauge;
  configLoadedAt: Gauge;
  /** 1 per restart-only setting the config changed since the start (docs/operating.md, "Reload"). */
  configRestartNeeded: Gauge<'setting'>;
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
      help: 'Config reloads by result: applied, partial (a part kept running the old config, or a setting read only at start changed; logged with which) or rejected.',
      labelNames: ['result'],
      registers: [registry],
    }),
    configLastReloadSuccessful: lastReloadSuccessful(registry),
    configLoadedAt: new Gauge({ name: 'opsbook_config_loaded_timestamp_seconds', help: 'When the running config was loaded.', registers: [registry] }),
    configRestartNeeded: new Gauge({
      name: 'opsbook_config_restart_needed',
      help: 'Settings the running config differs from the config files in, each read only at start: 1 per setting until it is put back or opsbook restarts.',
      labelNames: ['setting'],
      registers: [registry],
    }),
    up: new Gauge({ name: 'opsbook_up', help: '1 while the daemon is running and not shutting down.', registers: [registry] }),
  };
}

function lastReloadSuccessful(registry: Registry): Gauge {
  const gauge = new Gauge({
    name: 'opsbook_config_last_reload_successful',
    help: 'Whether the last config reload was applied (1) or rejected (0: opsbook runs on the config it had; the files on disk are not what runs).',
    registers: [registry],
  });
  gauge.set(1);
  return gauge;
}
