/**
 * The incidents repositories and engine on SQLite and PostgreSQL (a fresh database per run), and
 * the incident list's query plan over 100,000 incidents on SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { SimulatedClock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import {
  appendTimelineLine,
  appendTimelineLineOfKnownIncident,
  existingIncidentIds,
  appendTimelineRow,
  appendTimelineRowIfIncident,
  expireSilence,
  findLatestIncidentByDedupKey,
  findOpenIncidentByDedupKey,
  insertIncident,
  listIncidents,
  listIncidentsQuery,
  listLiveSilences,
  listTimeline,
  loadAlertSeries,
  saveAlertSeries,
  insertSilence,
  type IncidentRow,
  type Store,
} from '../store/index.js';
import { postgresUp } from '../../test/support/services.js';
import { IncidentService } from './service.js';
import { alert, ana, MINUTE, testStore } from './test-support.js';

const pgAvailable = await postgresUp();
const T0 = Date.parse('2026-03-04T10:00:00Z');

function incidentRow(i: number, over: Partial<IncidentRow> = {}): IncidentRow {
  const at = T0 + i * 1000;
  return {
    id: newId('inc', at), title: `incident ${i}`, state: i % 10 === 0 ? 'triggered' : 'resolved', severity: `P${(i % 4) + 1}`,
    service: `svc-${i % 20}`, source: 'alert', opened_at: at, updated_at: at, acknowledged_at: null, resolved_at: null,
    response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:alerts', reopened: 0, held_notification: null, ...over,
  };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe.skipIf(kind === 'postgres' && !pgAvailable)(`incidents store on ${kind}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await testStore(kind));
    });
    afterAll(async () => {
      await cleanup?.();
    });

    it('lists newest first, filtered, with keyset pages', async () => {
      const rows = Array.from({ length: 30 }, (_, i) => incidentRow(i));
      for (const r of rows) await insertIncident(store.db, r);
      const first = await listIncidents(store.db, { limit: 10 });
      expect(first.map((r) => r.title)).toEqual(rows.slice(20).reverse().map((r) => r.title));
      const second = await listIncidents(store.db, { limit: 10, before: first.at(-1)!.id });
      expect(second.map((r) => r.title)).toEqual(rows.slice(10, 20).reverse().map((r) => r.title));
      expect((await listIncidents(store.db, { state: 'triggered' })).map((r) => r.title)).toEqual(['incident 20', 'incident 10', 'incident 0']);
      expect((await listIncidents(store.db, { severity: 'P2', limit: 2 })).map((r) => r.title)).toEqual(['incident 29', 'incident 25']);
      expect(typeof first[0]!.opened_at).toBe('number');
    });

    it('orders a timeline by time, then by the order entries were written', async () => {
      const id = (await listIncidents(store.db, { limit: 1 }))[0]!.id;
      await appendTimelineRow(store.db, { id: newId('tl', 5), incident_id: id, at: 5, kind: 'note', actor: 'ana', text: 'b', data: '{}' });
      await appendTimelineRow(store.db, { id: newId('tl', 5), incident_id: id, at: 5, kind: 'note', actor: 'ana', text: 'c', data: '{}' });
      await appendTimelineRow(store.db, { id: newId('tl', 1), incident_id: id, at: 1, kind: 'change', actor: 'ci', text: 'a', data: '{}' });
      expect((await listTimeline(store.db, id)).map((e) => e.text)).toEqual(['a', 'b', 'c']);
    });

    it('numbers each appended timeline entry after the incident\'s last, in one statement, and writes none for an unknown incident', async () => {
      const [a, b] = await listIncidents(store.db, { limit: 2 });
      const row = (incidentId: string, text: string) => ({ id: newId('tl', 7), incident_id: incidentId, at: 7, kind: 'note' as const, actor: 'ana', text, data: '{"n":1}' });
      const before = (await listTimeline(store.db, a!.id)).length;
      const first = await appendTimelineRow(store.db, row(a!.id, 'x'));
      expect(first.seq).toBe(before + 1);
      expect(await appendTimelineRowIfIncident(store.db, row(b!.id, 'other incident'))).toBeGreaterThan(0);
      expect(await appendTimelineRowIfIncident(store.db, row(a!.id, 'y'))).toBe(before + 2);
      const entries = await listTimeline(store.db, a!.id);
      expect(entries.slice(-2).map((e) => [e.text, e.at, e.actor, e.data])).toEqual([['x', 7, 'ana', '{"n":1}'], ['y', 7, 'ana', '{"n":1}']]);
      expect(await appendTimelineLine(store.db, row(a!.id, 'w'))).toBe(true);
      expect((await listTimeline(store.db, a!.id)).at(-1)).toMatchObject({ text: 'w', seq: before + 3 });
      expect(await appendTimelineLine(store.db, row('inc_missing', 'z'))).toBe(false);
      await appendTimelineLineOfKnownIncident(store.db, row(a!.id, 'v'));
      expect((await listTimeline(store.db, a!.id)).at(-1)).toMatchObject({ text: 'v', seq: before + 4 });
      await expect(appendTimelineLineOfKnownIncident(store.db, row('inc_missing', 'z'))).rejects.toThrow();
      expect(await existingIncidentIds(store.db, [a!.id, 'inc_missing', b!.id])).toEqual(new Set([a!.id, b!.id]));
      expect(await existingIncidentIds(store.db, [])).toEqual(new Set());
      expect(await appendTimelineRowIfIncident(store.db, row('inc_missing', 'z'))).toBeUndefined();
      await expect(appendTimelineRow(store.db, row('inc_missing', 'z'))).rejects.toThrow(/no incident with id inc_missing/);
      expect(await listTimeline(store.db, 'inc_missing')).toEqual([]);
    });

    it('keeps alert series state and live silences', async () => {
      await saveAlertSeries(store.db, [{ series_key: 'r{a="1"}', rule_id: 'r', state: 'pending', data: '{"x":1}', updated_at: 1 }]);
      await saveAlertSeries(store.db, [{ series_key: 'r{a="1"}', rule_id: 'r', state: 'firing', data: '{"x":2}', updated_at: 2 }]);
      expect(await loadAlertSeries(store.db)).toEqual([{ series_key: 'r{a="1"}', rule_id: 'r', state: 'firing', data: '{"x":2}', updated_at: 2 }]);
      await insertSilence(store.db, { id: 'sil_1', matchers: '{"matchers":[]}', starts_at: 0, ends_at: 100, created_by: 'ana', created_at: 0, comment: 'x', expired_at: null });
      expect((await listLiveSilences(store.db, 50)).map((s) => s.id)).toEqual(['sil_1']);
      expect(await expireSilence(store.db, 'sil_1', 60)).toBe(true);
      expect(await expireSilence(store.db, 'sil_1', 61)).toBe(false);
      expect(await listLiveSilences(store.db, 70)).toEqual([]);
    });

    it('runs the engine: dedup finds the open incident, then the resolved one for re-opening', async () => {
      const clock = new SimulatedClock(T0 + 10 * 86_400_000);
      const svc = new IncidentService(store, clock);
      const e = alert('firing', 'check:api', { service: 'api' }, clock.now());
      const r = (await svc.onAlert(e))!;
      await Promise.all([svc.onAlert(e), svc.onAlert(e), svc.addNote(r.incident.id, ana, 'on it')]);
      expect((await findOpenIncidentByDedupKey(store.db, e.dedupKey))?.id).toBe(r.incident.id);
      await clock.advance(MINUTE);
      await svc.onAlert({ ...e, kind: 'resolved', at: clock.now() });
      expect(await findOpenIncidentByDedupKey(store.db, e.dedupKey)).toBeUndefined();
      expect((await findLatestIncidentByDedupKey(store.db, e.dedupKey))?.state).toBe('resolved');
      expect((await svc.timeline(r.incident.id)).map((t) => t.kind)).toEqual(['status', 'alert', 'note', 'alert', 'status']);
    });
  });
}

describe('listing 100,000 incidents (SQLite)', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await testStore('sqlite'));
    await store.db.transaction().execute(async (trx) => {
      // 1,000 rows a statement: SQLite takes at most 32,766 parameters in one (17 columns a row).
      for (let start = 0; start < 100_000; start += 1000) {
        await trx.insertInto('incidents').values(Array.from({ length: 1000 }, (_, i) => incidentRow(start + i))).execute();
      }
    });
    await sql`analyze`.execute(store.db);
  });
  afterAll(async () => {
    await cleanup?.();
  });

  async function explain(filter: Parameters<typeof listIncidentsQuery>[1]): Promise<string> {
    const compiled = listIncidentsQuery(store.db, filter).compile();
    const r = await store.db.executeQuery<{ detail: string }>({ ...compiled, sql: `explain query plan ${compiled.sql}` });
    return r.rows.map((row) => row.detail).join('\n');
  }

  it('reads the first page and a later page through an index, never a scan and sort', async () => {
    const first = await explain({ limit: 50 });
    expect(first).toMatch(/SCAN incidents USING (INTEGER PRIMARY KEY|INDEX sqlite_autoindex_incidents_1)|SEARCH incidents USING INDEX/);
    expect(first).not.toMatch(/TEMP B-TREE/);
    const page = await listIncidents(store.db, { limit: 50 });
    expect(page).toHaveLength(50);
    expect(page[0]!.title).toBe('incident 99999');
    const next = await explain({ limit: 50, before: page.at(-1)!.id });
    expect(next).toMatch(/SEARCH incidents USING (INDEX|PRIMARY KEY)/);
    expect(next).not.toMatch(/TEMP B-TREE/);
    const byState = await explain({ state: 'triggered', limit: 50 });
    expect(byState).toMatch(/USING INDEX incidents_state_id/);
    expect(byState).not.toMatch(/TEMP B-TREE/);
    const bySeverity = await explain({ severity: 'P1', limit: 50, before: page[10]!.id });
    expect(bySeverity).toMatch(/USING INDEX incidents_severity_id/);
    expect(bySeverity).not.toMatch(/TEMP B-TREE/);
    expect((await listIncidents(store.db, { state: 'triggered', limit: 50 }))[0]!.title).toBe('incident 99990');
  });
});
