/**
 * What every daemon reads once a minute (see MissedPages), through indexes, not by reading every
 * incident, escalation or outbox row ever stored: the triggered incidents nobody is paging (told
 * of none, or re-opened with their escalation left stopped),
 * through incidents_state_id (the triggered ones together) with the escalations' key and
 * outbox_incident probed per incident; and the answered incidents whose answer did not reach their
 * escalation (still paging, or resolved while only acknowledged), through the partial index
 * escalations_unresolved with the incidents' key; and the open incidents
 * whose escalation follows another severity, through incidents_state_id with the escalations' key.
 * On both stores, with many incidents, escalations and outbox rows in the tables, three incidents
 * unpaged, three unstopped and two unrevised.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { answeredRunningEscalationsQuery, listAnsweredRunningEscalations, listUnpagedIncidents, listUnrevisedEscalations, unpagedIncidentsQuery, unrevisedEscalationsQuery, type IncidentRow } from './incidents.js';
import { planOf } from './plan-test-support.js';

await describeOnStores('opsbook-unpaged-plan', 'missed pages and unstopped escalations', { migrate: true }, (target) => {
  it('are read through their indexes', async () => {
    const db = target.store.db;
    // 20,000 incidents over 20,000 minutes, each paged (an escalation and an outbox row), all resolved
    // but every 1,000th; of those, three have neither (unpaged), one is held, one too recent, one
    // re-opened with its escalation stopped.
    const N = 20_000;
    const unpaged = new Set([1000, 9000, 15_000]);
    const held = 2000;
    const recent = 19_000;
    // Re-opened, its stopped escalation not started again.
    const reopened = 12_000;
    // Held by a window whose end dropped its page: decided, not missed.
    const dropped = 17_000;
    const timeline = [];
    const incidents: IncidentRow[] = [];
    const escalations = [];
    const outbox = [];
    for (let i = 0; i < N; i++) {
      const id = `inc_${String(i).padStart(5, '0')}`;
      const triggered = i % 1000 === 0;
      incidents.push({
        id, title: `t${i}`, state: triggered ? 'triggered' : 'resolved', severity: 'sev2', service: null, source: 'alert',
        opened_at: i * 60_000, updated_at: i * 60_000, acknowledged_at: null, resolved_at: triggered ? null : i * 60_000 + 1, response_due_at: null, response_from: null,
        labels: '{}', runbook: null, created_by: 'alerts', reopened: 0,
        held_notification: i === held ? JSON.stringify({ kind: 'maintenance', id: 'upgrade', until: N * 60_000, onEnd: 'notify_if_firing' }) : null,
      });
      timeline.push({ id: `tl_${id}`, incident_id: id, seq: 1, at: i * 60_000, kind: i === dropped ? 'suppressed' : 'status', actor: 'system:alerts', text: i === dropped ? 'upgrade ended: held notification dropped (on_end: drop)' : 'triggered', data: '{}' });
      if (unpaged.has(i) || i === held || i === recent || i === dropped) continue;
      // Two answered incidents whose escalation still pages (its stop was not written), and one
      // resolved whose escalation an acknowledgement stopped (its resolution was not written).
      const running = (triggered && i !== reopened) || i === 5001 || i === 7001;
      const status = running ? 'active' : i === 8001 ? 'acknowledged' : 'resolved';
      // Two open incidents whose escalation follows another severity (its revision was not written), one that follows theirs.
      const state = i === 3000 || i === 6000 ? '{"severity":"sev3"}' : i === 4000 ? '{"severity":"sev2"}' : '{}';
      escalations.push({ incident_id: id, policy_id: 'default', status, next_at: null, state, updated_at: i * 60_000 });
      outbox.push({
        id: `ob_${id}`, channel_id: 'hook', event: 'incident.triggered', incident_id: id, dedup_key: id, payload: '{}', status: 'delivered' as const,
        created_at: i * 60_000, due_at: null, attempts: 1, retry_from: i * 60_000, retry_from_attempt: 0, lease_owner: null, delivered_at: i * 60_000, dead_at: null, last_status: 204, last_error: null,
      });
    }
    for (let i = 0; i < N; i += 500) await db.insertInto('incidents').values(incidents.slice(i, i + 500)).execute();
    for (let i = 0; i < escalations.length; i += 500) {
      await db.insertInto('escalations').values(escalations.slice(i, i + 500)).execute();
      await db.insertInto('outbox').values(outbox.slice(i, i + 500)).execute();
    }
    for (let i = 0; i < N; i += 500) await db.insertInto('incident_timeline').values(timeline.slice(i, i + 500)).execute();
    if (target.name === 'postgres') await sql`ANALYZE incidents, escalations, outbox, incident_timeline`.execute(db);

    const before = 18_500 * 60_000;
    expect((await listUnpagedIncidents(db, before, 100)).map((r) => r.id)).toEqual(['inc_01000', 'inc_09000', 'inc_12000', 'inc_15000']);
    expect((await listUnpagedIncidents(db, before, 2)).map((r) => r.id)).toEqual(['inc_01000', 'inc_09000']);

    const plan = await planOf(target, unpagedIncidentsQuery(db, before, 100));
    if (target.name === 'sqlite') {
      expect(plan).toMatch(/SEARCH i USING INDEX incidents_state_id \(state=\?\)/);
      expect(plan).toMatch(/SEARCH e USING (COVERING INDEX|PRIMARY KEY|INDEX) .*\(incident_id=\?\)/);
      expect(plan).toMatch(/SEARCH o USING (COVERING )?INDEX outbox_incident \(incident_id=\?\)/);
    } else {
      expect(plan).toMatch(/(Index Scan|Bitmap Index Scan|Index Only Scan) (using|on) incidents_state_id/);
      expect(plan).toMatch(/(Index Scan|Index Only Scan) using escalations_pkey/);
      expect(plan).toMatch(/(Index Scan|Index Only Scan) using outbox_incident/);
    }
    expect(plan).not.toMatch(/Seq Scan|SCAN (i|e|o)$/m);

    expect((await listAnsweredRunningEscalations(db, before, 100)).map((r) => r.id)).toEqual(['inc_05001', 'inc_07001', 'inc_08001']);
    const running = await planOf(target, answeredRunningEscalationsQuery(db, before, 100));
    if (target.name === 'sqlite') {
      expect(running).toMatch(/SCAN e USING (COVERING )?INDEX escalations_unresolved/);
      expect(running).toMatch(/SEARCH i USING INDEX sqlite_autoindex_incidents_1 \(id=\?\)/);
    } else {
      expect(running).toMatch(/(Index Scan|Bitmap Index Scan|Index Only Scan) (using|on) escalations_unresolved/);
      expect(running).toMatch(/Index Scan using incidents_pkey/);
    }
    expect(running).not.toMatch(/Seq Scan|SCAN (i|e)$/m);

    expect((await listUnrevisedEscalations(db, target.name, before, 100)).map((r) => r.id)).toEqual(['inc_03000', 'inc_06000']);
    const unrevised = await planOf(target, unrevisedEscalationsQuery(db, target.name, before, 100));
    if (target.name === 'sqlite') {
      expect(unrevised).toMatch(/SEARCH i USING INDEX incidents_state_id \(state=\?\)/);
      expect(unrevised).toMatch(/SEARCH e USING (INDEX|PRIMARY KEY) .*\(incident_id=\?\)/);
    } else {
      expect(unrevised).toMatch(/(Index Scan|Bitmap Index Scan|Index Only Scan) (using|on) incidents_state_id/);
      expect(unrevised).toMatch(/Index Scan using escalations_pkey/);
    }
    expect(unrevised).not.toMatch(/Seq Scan|SCAN (i|e)$/m);
  });
});
