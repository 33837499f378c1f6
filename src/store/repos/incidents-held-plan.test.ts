/**
 * The incidents whose page is held (read at every release pass, and every third of a lease in a
 * cluster) are found through the partial index incidents_held, which holds only them, not by reading
 * every incident ever stored; the incidents opened in a span (read by every recorded change) through
 * incidents_opened_at. On both stores, with many incidents in the table and a few held.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { heldIncidentsQuery, incidentsOpenedBetweenQuery, listHeldIncidents, listIncidentsOpenedBetween, type IncidentRow } from './incidents.js';
import { planOf } from './plan-test-support.js';

await describeOnStores('opsbook-held-plan', 'held incidents and incidents opened in a span', { migrate: true }, (target) => {
  it('are read through their indexes, not by scanning every incident', async () => {
    const db = target.store.db;
    // 4,000 incidents over 4,000 minutes, all resolved but three, whose pages a window holds.
    const N = 4000;
    const held = new Set([17, 1999, 3998]);
    const incidents: IncidentRow[] = [];
    for (let i = 0; i < N; i++) {
      const isHeld = held.has(i);
      incidents.push({
        id: `inc_${String(i).padStart(5, '0')}`, title: `t${i}`, state: isHeld ? 'triggered' : 'resolved', severity: 'sev2', service: null, source: 'alert',
        opened_at: i * 60_000, updated_at: i * 60_000, acknowledged_at: null, resolved_at: isHeld ? null : i * 60_000 + 1, response_due_at: null, response_from: null,
        labels: '{}', runbook: null, created_by: 'alerts', reopened: 0,
        held_notification: isHeld ? JSON.stringify({ kind: 'maintenance', id: 'upgrade', until: N * 60_000, onEnd: 'notify_if_firing' }) : null,
      });
    }
    for (let i = 0; i < N; i += 500) await db.insertInto('incidents').values(incidents.slice(i, i + 500)).execute();
    if (target.name === 'postgres') await sql`ANALYZE incidents`.execute(db);

    expect((await listHeldIncidents(db)).map((r) => r.id).sort()).toEqual(['inc_00017', 'inc_01999', 'inc_03998']);
    expect((await listIncidentsOpenedBetween(db, 100 * 60_000, 102 * 60_000)).map((r) => r.id)).toEqual(['inc_00100', 'inc_00101', 'inc_00102']);

    const heldPlan = await planOf(target, heldIncidentsQuery(db));
    const spanPlan = await planOf(target, incidentsOpenedBetweenQuery(db, 100 * 60_000, 102 * 60_000));
    if (target.name === 'sqlite') {
      expect(heldPlan).toMatch(/SCAN incidents USING INDEX incidents_held/);
      expect(spanPlan).toMatch(/SEARCH incidents USING INDEX incidents_opened_at \(opened_at>\? AND opened_at<\?\)/);
    } else {
      expect(heldPlan).toMatch(/(Index Scan|Bitmap Index Scan) (using|on) incidents_held/);
      expect(spanPlan).toMatch(/(Index Scan|Bitmap Index Scan) (using|on) incidents_opened_at/);
    }
    expect(heldPlan).not.toMatch(/Seq Scan|SCAN incidents$/m);
    expect(spanPlan).not.toMatch(/Seq Scan|SCAN incidents$/m);
  });
});
