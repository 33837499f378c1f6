/**
 * 000028: the escalations answered before it keep no old status the once-a-minute look would take
 * for an answer that never reached them. An acknowledged or exhausted escalation of a resolved
 * incident becomes resolved, an exhausted one of an acknowledged incident acknowledged (the status
 * column and the saved state alike); the others are left as they are. On both stores.
 */
import { Migrator } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { listAnsweredRunningEscalations, type IncidentRow } from '../repos/incidents.js';
import { migrationProvider } from './index.js';

await describeOnStores('opsbook-unresolved-escalations', 'the 000028 migration', {}, (target) => {
  it('brings the escalations answered before it to the status their incident says', async () => {
    const db = target.store.db;
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo('000027-running-escalations');
    expect(error).toBeUndefined();
    const cases: Array<[string, IncidentRow['state'], string]> = [
      ['inc_resolved_ack', 'resolved', 'acknowledged'],
      ['inc_reviewed_exhausted', 'reviewed', 'exhausted'],
      ['inc_resolved_active', 'resolved', 'active'],
      ['inc_ack_exhausted', 'acknowledged', 'exhausted'],
      ['inc_ack_active', 'mitigated', 'active'],
      ['inc_open_exhausted', 'triggered', 'exhausted'],
    ];
    for (const [id, state, status] of cases) {
      await db.insertInto('incidents').values({
        id, title: id, state, severity: 'P1', service: null, source: 'alert', opened_at: 0, updated_at: 0, acknowledged_at: null,
        resolved_at: null, response_due_at: null, labels: '{}', runbook: null, created_by: 'alerts', reopened: 0, held_notification: null,
      }).execute();
      const saved = { version: 1, policyId: 'default', incidentId: id, status, stepIndex: 0, round: 0, nextAt: null, pages: [{ key: `${id}/r0/s0/user:a/rule1`, user: 'a' }] };
      await db.insertInto('escalations').values({ incident_id: id, policy_id: 'default', status, next_at: null, state: JSON.stringify(saved), updated_at: 0 }).execute();
    }
    await target.store.migrate();
    const rows = await db.selectFrom('escalations').select(['incident_id', 'status', 'state']).orderBy('incident_id').execute();
    expect(rows.map((r) => [r.incident_id, r.status, (JSON.parse(r.state) as { status: string }).status])).toEqual([
      ['inc_ack_active', 'active', 'active'],
      ['inc_ack_exhausted', 'acknowledged', 'acknowledged'],
      ['inc_open_exhausted', 'exhausted', 'exhausted'],
      ['inc_resolved_ack', 'resolved', 'resolved'],
      ['inc_resolved_active', 'active', 'active'],
      ['inc_reviewed_exhausted', 'resolved', 'resolved'],
    ]);
    // The rest of the state is as it was.
    expect((JSON.parse(rows[3]!.state) as { pages: unknown[] }).pages).toEqual([{ key: 'inc_resolved_ack/r0/s0/user:a/rule1', user: 'a' }]);
    // The look finds only the answers that did not reach their escalation.
    expect((await listAnsweredRunningEscalations(db, 1, 100)).map((r) => r.id).sort()).toEqual(['inc_ack_active', 'inc_resolved_active']);
  });
});
