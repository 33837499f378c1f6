import type { Migration, MigrationProvider } from 'kysely';

/**
 * Every migration, by number, and how to load it. Numbers are zero-padded so their names sort in
 * order; a released migration is never edited. Add one line per new migration.
 *
 * Loaded only when a store has one to apply (Store.migrate, the migrator): a command on a store
 * already migrated reads the names alone, not the modules of every migration.
 */
const LOADERS: Record<string, () => Promise<Migration>> = {
  '000001-core': () => import('./000001-core.js'),
  '000002-check-history': () => import('./000002-check-history.js'),
  '000003-notify': () => import('./000003-notify.js'),
  '000004-incidents': () => import('./000004-incidents.js'),
  '000005-executions': () => import('./000005-executions.js'),
  '000006-sessions': () => import('./000006-sessions.js'),
  '000007-escalations': () => import('./000007-escalations.js'),
  '000008-slos': () => import('./000008-slos.js'),
  '000009-push-subscriptions': () => import('./000009-push-subscriptions.js'),
  '000010-samples': () => import('./000010-samples.js'),
  '000011-rule-state': () => import('./000011-rule-state.js'),
  '000012-session-role': () => import('./000012-session-role.js'),
  '000013-audit-archives': () => import('./000013-audit-archives.js'),
  '000014-change-feed': () => import('./000014-change-feed.js'),
  '000020-status-page': () => import('./000020-status-page.js'),
  '000021-cluster': () => import('./000021-cluster.js'),
  '000022-oncall': () => import('./000022-oncall.js'),
  '000023-procedure-runs': () => import('./000023-procedure-runs.js'),
  '000024-check-probe-state': () => import('./000024-check-probe-state.js'),
  '000025-cluster-handover': () => import('./000025-cluster-handover.js'),
  '000026-held-incidents': () => import('./000026-held-incidents.js'),
  '000027-running-escalations': () => import('./000027-running-escalations.js'),
  '000028-unresolved-escalations': () => import('./000028-unresolved-escalations.js'),
  '000029-incident-alerts-rule': () => import('./000029-incident-alerts-rule.js'),
  '000030-json-or-null': () => import('./000030-json-or-null.js'),
  '000031-running-steps': () => import('./000031-running-steps.js'),
  '000032-timeline-seq-unique': () => import('./000032-timeline-seq-unique.js'),
  '000033-running-step-epochs': () => import('./000033-running-step-epochs.js'),
  '000034-member-draining': () => import('./000034-member-draining.js'),
  '000035-response-clock': () => import('./000035-response-clock.js'),
};

/** The name of every migration, in the order they apply. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(LOADERS);

/** Every migration's module, by name. */
export async function loadMigrations(): Promise<Record<string, Migration>> {
  const modules = await Promise.all(MIGRATION_NAMES.map((name) => LOADERS[name]!()));
  return Object.fromEntries(MIGRATION_NAMES.map((name, i) => [name, modules[i]!]));
}

export const migrationProvider: MigrationProvider = {
  getMigrations: loadMigrations,
};
