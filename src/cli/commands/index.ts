import type { RegisterCommands } from '../context.js';
import { registerRunbook } from './runbook.js';
import { registerServe } from './serve.js';
import { registerMigrate } from './migrate.js';
import { registerToken } from './token.js';
import { registerValidate } from './validate.js';
import { registerSchema } from './schema.js';
import { registerOncall } from './oncall.js';
import { registerUser } from './user.js';

/** Every command module, in the order `opsbook --help` lists them. One line per module. */
export const COMMAND_MODULES: RegisterCommands[] = [
  registerServe,
  registerMigrate,
  (await import('./backup.js')).registerBackup,
  registerToken,
  registerValidate,
  registerSchema,
  registerOncall,
  registerRunbook,
  (await import('./check.js')).registerCheck,
  (await import('./test.js')).registerTest,
  (await import('./run.js')).registerRun,
  (await import('./execution.js')).registerExecution,
  (await import('./audit.js')).registerAudit,
  registerUser,
  (await import('./notify.js')).registerNotify,
  (await import('./report.js')).registerReport,
  (await import('./slo.js')).registerSlo,
  (await import('./cluster.js')).registerCluster,
  (await import('./import.js')).registerImport,
  (await import('./incident.js')).registerIncident,
  (await import('./gameday.js')).registerGameday,
];
