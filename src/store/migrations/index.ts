import type { Migration, MigrationProvider } from 'kysely';
import * as m000001 from './000001-core.js';

/**
 * Every migration, by number. Numbers are zero-padded so their names sort in order; a released
 * migration is never edited. Add one line per new migration.
 */
export const MIGRATIONS: Record<string, Migration> = {
  '000001-core': m000001,
  '000002-check-history': await import('./000002-check-history.js'),
  '000003-notify': await import('./000003-notify.js'),
  '000004-incidents': await import('./000004-incidents.js'),
  '000005-executions': await import('./000005-executions.js'),
  '000006-sessions': await import('./000006-sessions.js'),
  '000007-escalations': await import('./000007-escalations.js'),
  '000008-slos': await import('./000008-slos.js'),
  '000009-push-subscriptions': await import('./000009-push-subscriptions.js'),
  '000010-samples': await import('./000010-samples.js'),
  '000011-rule-state': await import('./000011-rule-state.js'),
  '000012-session-role': await import('./000012-session-role.js'),
  '000013-audit-archives': await import('./000013-audit-archives.js'),
  '000014-change-feed': await import('./000014-change-feed.js'),
  '000020-status-page': await import('./000020-status-page.js'),
  '000021-cluster': await import('./000021-cluster.js'),
  '000022-oncall': await import('./000022-oncall.js'),
  '000023-procedure-runs': await import('./000023-procedure-runs.js'),
  '000024-check-probe-state': await import('./000024-check-probe-state.js'),
  '000025-cluster-handover': await import('./000025-cluster-handover.js'),
  '000026-held-incidents': await import('./000026-held-incidents.js'),
  '000027-running-escalations': await import('./000027-running-escalations.js'),
  '000028-unresolved-escalations': await import('./000028-unresolved-escalations.js'),
  '000029-incident-alerts-rule': await import('./000029-incident-alerts-rule.js'),
  '000030-json-or-null': await import('./000030-json-or-null.js'),
  '000031-running-steps': await import('./000031-running-steps.js'),
  '000032-timeline-seq-unique': await import('./000032-timeline-seq-unique.js'),
  '000033-running-step-epochs': await import('./000033-running-step-epochs.js'),
  '000034-member-draining': await import('./000034-member-draining.js'),
  '000035-response-clock': await import('./000035-response-clock.js'),
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
