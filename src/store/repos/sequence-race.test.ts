import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigratedTestDatabase } from '../../../test/support/migrated-database.js';
import { postgresUp } from '../../../test/support/services.js';
import { openStore } from '../open.js';
import type { Store } from '../store.js';
import { appendAudit, listAudit, verifyAuditChain, withAuditEntry } from './audit.js';
import {
  appendTimelineLine,
  appendTimelineLineOfKnownIncident,
  appendTimelineRow,
  insertIncident,
  listTimeline,
  type IncidentRow,
  type TimelineRow,
} from './incidents.js';

const pgOk = await postgresUp();
const ROUNDS = 20;

const incident = (id: string): IncidentRow => ({
  id, title: 'api down', state: 'triggered', severity: 'SEV2', service: 'api', source: 'manual', opened_at: 0, updated_at: 0,
  acknowledged_at: null, resolved_at: null, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'ana', reopened: 0, held_notification: null,
});

let n = 0;
const line = (incidentId: string, who: string): Omit<TimelineRow, 'seq'> => ({ id: `tl_${String(++n).padStart(6, '0')}`, incident_id: incidentId, at: n, kind: 'note', actor: who, text: `note ${n}`, data: '{}' });

// Two opsbook processes on one PostgreSQL: each its own store (its own pool of connections).
describe.skipIf(!pgOk)('per-parent sequence numbers written by two processes at once (PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createMigratedTestDatabase>>;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    db = await createMigratedTestDatabase('opsbook_seq_race');
    a = await openStore({ url: db.url });
    await a.migrate();
    b = await openStore({ url: db.url });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('numbers an incident timeline without a gap or a failure, whichever append each process uses', async () => {
    await insertIncident(a.db, incident('inc_race'));
    for (let round = 0; round < ROUNDS; round++) {
      const results = await Promise.allSettled([
        appendTimelineRow(a.db, line('inc_race', 'ana')),
        appendTimelineRow(b.db, line('inc_race', 'bo')),
        appendTimelineLine(a.db, line('inc_race', 'ana')),
        appendTimelineLine(b.db, line('inc_race', 'bo')),
        b.db.transaction().execute((trx) => appendTimelineLineOfKnownIncident(trx, line('inc_race', 'bo'))),
        a.db.transaction().execute((trx) => appendTimelineLineOfKnownIncident(trx, line('inc_race', 'ana'))),
      ]);
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    }
    // The timeline lists by time, then number: each line here has its own time.
    const rows = await listTimeline(a.db, 'inc_race');
    expect(rows.map((r) => Number(r.seq)).sort((x, y) => x - y)).toEqual(Array.from({ length: 6 * ROUNDS }, (_, i) => i + 1));
  });

  it('keeps the audit chain whole: every entry follows its predecessor, none refused', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const at = round;
      const results = await Promise.allSettled([
        appendAudit(a.db, a.dialect, { at, actor: 'ana', action: 'test.a', subject: 'x' }),
        appendAudit(b.db, b.dialect, { at, actor: 'bo', action: 'test.b', subject: 'x' }),
        // An action's writes first, then its entry: the chain's head is read after them.
        withAuditEntry(a.db, a.dialect, (trx) => appendTimelineRow(trx, line('inc_race', 'ana')), { at, actor: 'ana', action: 'test.c', subject: 'x' }),
        withAuditEntry(b.db, b.dialect, (trx) => appendTimelineRow(trx, line('inc_race', 'bo')), { at, actor: 'bo', action: 'test.d', subject: 'x' }),
      ]);
      expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    }
    const entries = await listAudit(a.db);
    expect(entries).toHaveLength(4 * ROUNDS);
    expect(verifyAuditChain(entries)).toEqual([]);
  });
});
