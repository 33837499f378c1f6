import type { RegisterCommands } from '../context.js';

/** A command module: the top-level commands it registers, and how to load it. */
export interface CommandModule {
  names: readonly string[];
  load: () => Promise<RegisterCommands>;
}

/**
 * Every command module, in the order `opsbook --help` lists them. One line per module; `names` are
 * the top-level commands it registers (a test holds them to what it registers). `opsbook NAME …`
 * loads the one module that registers NAME: each command module imports what its commands share
 * (options, output helpers), and loading all of them costs every command, `validate` included.
 */
export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['serve'], load: async () => (await import('./serve.js')).registerServe },
  { names: ['migrate'], load: async () => (await import('./migrate.js')).registerMigrate },
  { names: ['backup', 'restore'], load: async () => (await import('./backup.js')).registerBackup },
  { names: ['token'], load: async () => (await import('./token.js')).registerToken },
  { names: ['validate'], load: async () => (await import('./validate.js')).registerValidate },
  { names: ['schema'], load: async () => (await import('./schema.js')).registerSchema },
  { names: ['oncall'], load: async () => (await import('./oncall.js')).registerOncall },
  { names: ['runbook'], load: async () => (await import('./runbook.js')).registerRunbook },
  { names: ['check'], load: async () => (await import('./check.js')).registerCheck },
  { names: ['test'], load: async () => (await import('./test.js')).registerTest },
  { names: ['run'], load: async () => (await import('./run.js')).registerRun },
  { names: ['execution'], load: async () => (await import('./execution.js')).registerExecution },
  { names: ['audit'], load: async () => (await import('./audit.js')).registerAudit },
  { names: ['user'], load: async () => (await import('./user.js')).registerUser },
  { names: ['notify'], load: async () => (await import('./notify.js')).registerNotify },
  { names: ['report'], load: async () => (await import('./report.js')).registerReport },
  { names: ['slo'], load: async () => (await import('./slo.js')).registerSlo },
  { names: ['cluster'], load: async () => (await import('./cluster.js')).registerCluster },
  { names: ['import'], load: async () => (await import('./import.js')).registerImport },
  { names: ['incident'], load: async () => (await import('./incident.js')).registerIncident },
  { names: ['gameday'], load: async () => (await import('./gameday.js')).registerGameday },
];

/**
 * The modules a command line needs: the one registering its command, or every module when it names
 * none it knows (`--help`, `help`, `--version`, a typo commander suggests a command for).
 */
export function commandModulesFor(args: readonly string[]): readonly CommandModule[] {
  const first = args[0];
  const named = first === undefined ? undefined : COMMAND_MODULES.find((m) => m.names.includes(first));
  return named ? [named] : COMMAND_MODULES;
}
