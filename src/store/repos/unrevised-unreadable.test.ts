/**
 * The look for escalations that follow another severity reads past an escalation whose stored state
 * is unreadable (not JSON): it has no severity to compare, and the other open incidents are still
 * found. On PostgreSQL the read used to fail whole (`invalid input syntax for type json`) while any
 * such row stood. Real SQLite and PostgreSQL stores, rows written as the escalation driver leaves a
 * broken one.
 */
import { it, expect } from 'vitest';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { listUnrevisedEscalations, type IncidentRow } from '../index.js';

await describeOnStores('opsbook-unrevised-unreadable', 'open incidents whose escalation follows another severity', { migrate: true }, (target) => {
  it('are found while another escalation\'s state is unreadable', async () => {
    const db = target.store.db;
    const incident = (id: string): IncidentRow => ({
      id, title: id, state: 'triggered', severity: 'P1', service: null, source: 'manual', opened_at: 0, updated_at: 0, acknowledged_at: null,
      resolved_at: null, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'ana', reopened: 0, held_notification: null,
    });
    await db.insertInto('incidents').values([incident('inc_broken'), incident('inc_raised')]).execute();
    await db.insertInto('escalations').values([
      { incident_id: 'inc_broken', policy_id: 'default', status: 'active', next_at: 1, state: '{not json', updated_at: 0 },
      { incident_id: 'inc_raised', policy_id: 'default', status: 'active', next_at: 1, state: '{"severity":"P2"}', updated_at: 0 },
    ]).execute();
    expect((await listUnrevisedEscalations(db, target.name, 60_000, 10)).map((r) => r.id)).toEqual(['inc_raised']);
  });
});
