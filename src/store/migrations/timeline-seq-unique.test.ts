/**
 * 000032: an incident's timeline numbers become unique per incident. Numbers already given twice
 * (two processes on one PostgreSQL appending at once, before it) are renumbered in the order they
 * were listed, and a number given twice afterwards is refused. On both stores.
 */
import { Migrator } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { migrationProvider } from './index.js';

await describeOnStores('opsbook-timeline-seq', 'the 000032 migration', {}, (target) => {
  it('renumbers the lines numbered twice and refuses a number given twice afterwards', async () => {
    const db = target.store.db;
    const { error } = await new Migrator({ db, provider: migrationProvider }).migrateTo('000031-running-steps');
    expect(error).toBeUndefined();
    for (const id of ['inc_a', 'inc_b']) {
      await db.insertInto('incidents').values({
        id, title: id, state: 'triggered', severity: 'P1', service: null, source: 'manual', opened_at: 0, updated_at: 0, acknowledged_at: null,
        resolved_at: null, response_due_at: null, labels: '{}', runbook: null, created_by: 'ana', reopened: 0, held_notification: null,
      }).execute();
    }
    const lines: Array<[string, string, number]> = [
      ['tl_01', 'inc_a', 1], ['tl_02', 'inc_a', 2], ['tl_03', 'inc_a', 2], ['tl_04', 'inc_a', 3], ['tl_05', 'inc_a', 3], ['tl_06', 'inc_a', 4],
      ['tl_07', 'inc_b', 1], ['tl_08', 'inc_b', 2],
    ];
    for (const [id, incident_id, seq] of lines) await db.insertInto('incident_timeline').values({ id, incident_id, seq, at: 0, kind: 'note', actor: 'ana', text: id, data: '{}' }).execute();
    await target.store.migrate();
    const rows = await db.selectFrom('incident_timeline').select(['id', 'seq']).orderBy('id').execute();
    expect(rows.map((r) => [r.id, Number(r.seq)])).toEqual([
      ['tl_01', 1], ['tl_02', 2], ['tl_03', 3], ['tl_04', 4], ['tl_05', 5], ['tl_06', 6],
      ['tl_07', 1], ['tl_08', 2],
    ]);
    await expect(db.insertInto('incident_timeline').values({ id: 'tl_09', incident_id: 'inc_b', seq: 2, at: 0, kind: 'note', actor: 'ana', text: 'again', data: '{}' }).execute()).rejects.toThrow(/unique/i);
  });
});
