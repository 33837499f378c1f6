/**
 * Reads that mean "all of them" answer all of them, on SQLite and PostgreSQL: the recovery-time
 * report over more than 500 recovery tests has its newest run (a cap of 500, oldest first, dropped
 * the newest), and the incidents a sweep or a test's results act on are every one, past the 500 a
 * page of the incident list holds (which stays the API's page).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { newId } from '../../src/lib/ids.js';
import { IncidentService } from '../../src/incidents/index.js';
import { recoveryTimeStatus } from '../../src/slos/index.js';
import { insertIncident, openStore, upsertRecoveryTest, type IncidentRow, type Store } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';

const pgAvailable = await postgresUp();
const T0 = Date.parse('2026-03-04T10:00:00Z');
const MINUTE = 60_000;
/** Past the 500 rows one statement reads, and not a multiple of it. */
const MANY = 520;

function incidentRow(i: number): IncidentRow {
  const at = T0 + i * 1000;
  return {
    id: newId('inc', at), title: `incident ${i}`, state: i % 2 === 0 ? 'triggered' : 'resolved', severity: 'P3',
    service: 'orders', source: 'alert', opened_at: at, updated_at: at, acknowledged_at: null, resolved_at: null,
    response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:alerts', reopened: 0, held_notification: null,
  };
}

for (const target of storeTargets('opsbook-read-every-row', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`reads of every row, on ${target.name}`, () => {
    let store: Store;
    let cleanup: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const opened = await target.open();
      cleanup = opened.cleanup;
      store = await openStore({ url: opened.url });
      await store.migrate();
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('reports the newest recovery test of a procedure with more than 500, and only those in the window', async () => {
      // One run a day; runs at the same start instant are told apart by their id.
      for (let i = 0; i < MANY; i++) {
        await upsertRecoveryTest(store.db, {
          execution_id: `exe_${String(i).padStart(5, '0')}`, procedure: 'dr.md#RB-8', started_at: T0 + Math.floor(i / 2) * 24 * 60 * MINUTE,
          verified_at: T0 + Math.floor(i / 2) * 24 * 60 * MINUTE + 5 * MINUTE, achieved_rto_ms: (i % 7) * MINUTE, target_rto_ms: 4 * MINUTE, target_rpo_ms: 60 * MINUTE, met: i % 7 <= 4 ? 1 : 0,
        });
      }
      const newest = MANY - 1;
      const all = await recoveryTimeStatus(store, 0, Number.MAX_SAFE_INTEGER);
      expect(all).toHaveLength(1);
      expect(all[0]!.runs).toBe(MANY);
      expect(all[0]!.latest).toMatchObject({ executionId: `exe_${String(newest).padStart(5, '0')}`, achievedRtoMs: (newest % 7) * MINUTE });
      expect(all[0]!.met).toBe(Array.from({ length: MANY }, (_, i) => i % 7 <= 4).filter(Boolean).length);
      // The report of the last 30 days: its 60 runs (two a day), the newest last.
      const from = T0 + (Math.floor(newest / 2) - 29) * 24 * 60 * MINUTE;
      const [recent] = await recoveryTimeStatus(store, from, Number.MAX_SAFE_INTEGER);
      expect(recent!.runs).toBe(60);
      expect(recent!.history.map((h) => h.startedAt)).toEqual([...recent!.history.map((h) => h.startedAt)].sort((a, b) => a - b));
      expect(recent!.latest!.executionId).toBe(`exe_${String(newest).padStart(5, '0')}`);
    });

    it('lists every incident that matches for those who act on all of them, while a page stays at most 500', async () => {
      const rows = Array.from({ length: MANY }, (_, i) => incidentRow(i));
      for (const row of rows) await insertIncident(store.db, row);
      const incidents = new IncidentService(store, new SimulatedClock(T0));
      const page = await incidents.list({ limit: 10_000 });
      expect(page).toHaveLength(500);
      const all = await incidents.listAll();
      expect(all.map((i) => i.id)).toEqual(rows.map((r) => r.id).reverse());
      const triggered = await incidents.listAll({ state: ['triggered'] });
      expect(triggered).toHaveLength(MANY / 2);
      expect(triggered.every((i) => i.state === 'triggered')).toBe(true);
      expect(triggered.at(-1)!.id).toBe(rows[0]!.id);
    });
  });
}
