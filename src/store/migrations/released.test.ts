/**
 * A store that already ran a released migration refuses one numbered before it (Kysely's migrator
 * reports the history as corrupted), so a new migration must sort after every released one. This list
 * is what shipped; append the new names when a release goes out, never insert.
 */
import { describe, expect, it } from 'vitest';
import { knownMigrations } from '../store.js';
import { loadMigrations, MIGRATION_NAMES } from './index.js';

const RELEASED = [
  '000001-core', '000002-check-history', '000003-notify', '000004-incidents', '000005-executions',
  '000006-sessions', '000007-escalations', '000008-slos', '000009-push-subscriptions', '000010-samples',
  '000011-rule-state', '000012-session-role', '000013-audit-archives', '000014-change-feed', '000020-status-page',
];

describe('migration numbering', () => {
  it('keeps every released migration, in its order, before any new one', () => {
    const known = knownMigrations();
    expect(known.slice(0, RELEASED.length)).toEqual(RELEASED);
  });

  it('lists migrations in the order their numbers sort, each name with its module', async () => {
    expect(MIGRATION_NAMES).toEqual(knownMigrations());
    const modules = await loadMigrations();
    expect(Object.keys(modules)).toEqual(knownMigrations());
    for (const m of Object.values(modules)) expect(typeof m.up).toBe('function');
  });
});
