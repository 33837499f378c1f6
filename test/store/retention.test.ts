/**
 * Retention prunes exactly what is older than its window, on SQLite and PostgreSQL: delivery
 * attempts and ended outbox rows, finished executions' transcripts. Pending pages, running
 * executions, the executions' own rows and the audit log are never pruned. The daemon runs the
 * job on its clock and exports the store's size.
 */
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { appendAudit, checkpointWal, listAudit, pruneDeliveries, pruneTranscripts, storeBytes, type Store } from '../../src/store/index.js';
import { describeOnStores } from '../support/store-targets.js';
import { startDaemonApp } from '../support/daemon-app.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 3, 12);
const CUTOFF = NOW - 90 * DAY;

async function outbox(store: Store, id: string, status: string, createdAt: number, attemptsAt: number[]): Promise<void> {
  await store.db
    .insertInto('outbox')
    .values({ id, channel_id: 'mail', event: 'incident.triggered', incident_id: null, dedup_key: id, payload: '{}', status: status as 'pending', created_at: createdAt, due_at: null, attempts: attemptsAt.length, retry_from: createdAt, retry_from_attempt: 0, lease_owner: null, delivered_at: null, dead_at: null, last_status: null, last_error: null })
    .execute();
  for (const [i, at] of attemptsAt.entries()) {
    await store.db
      .insertInto('deliveries')
      .values({ id: `${id}-d${i}`, outbox_id: id, channel_id: 'mail', incident_id: null, attempt: i + 1, at, outcome: status === 'delivered' && i === attemptsAt.length - 1 ? 'delivered' : 'retry', status_code: null, error: null, detail: null, duration_ms: 3 })
      .execute();
  }
}

async function execution(store: Store, id: string, finishedAt: number | null, entries: number): Promise<void> {
  const at = (finishedAt ?? NOW) - 1000;
  await store.db
    .insertInto('executions')
    .values({ id, procedure: 'r.md#p', title: 'p', service: null, incident_id: null, state: finishedAt === null ? 'running' : 'completed', trigger: 'manual', started_by: 'ann', started_at: at, finished_at: finishedAt, updated_at: at, plan: '{}' })
    .execute();
  for (let i = 1; i <= entries; i++) {
    await store.db
      .insertInto('execution_entries')
      .values({ id: `${id}-e${i}`, execution_id: id, seq: i, step: 1, command: 1, kind: 'command', actor: 'ann', at, duration_ms: 1, target: null, effect: 'read', text: 'uptime', status: 'ok', exit_code: 0, approval: null, stdout: 'x', stderr: '', stdout_bytes: 1, stderr_bytes: 0, truncated: i === 1 ? 1 : 0, data: '{}' })
      .execute();
    if (i === 1) await store.db.insertInto('execution_outputs').values({ entry_id: `${id}-e${i}`, stream: 'stdout', content: 'x'.repeat(100) }).execute();
  }
}

await describeOnStores('retention', 'retention', { migrate: true }, (target) => {
  it('deletes delivery attempts and ended outbox rows older than the window, and nothing else', async () => {
    const { store } = target;
    await outbox(store, 'old-delivered', 'delivered', CUTOFF - 1, [CUTOFF - 1, CUTOFF - 1]);
    await outbox(store, 'old-dead', 'dead', CUTOFF - DAY, [CUTOFF - DAY]);
    await outbox(store, 'old-cancelled', 'cancelled', CUTOFF - DAY, []);
    await outbox(store, 'old-pending', 'pending', CUTOFF - DAY, [CUTOFF - DAY]);
    await outbox(store, 'at-cutoff', 'delivered', CUTOFF, [CUTOFF]);
    await outbox(store, 'new', 'delivered', NOW - DAY, [NOW - DAY]);
    const deleted = await pruneDeliveries(store.db, CUTOFF);
    const rows = await store.db.selectFrom('outbox').select('id').orderBy('id').execute();
    expect(rows.map((r) => r.id)).toEqual(['at-cutoff', 'new', 'old-pending']);
    const attempts = await store.db.selectFrom('deliveries').select(['id', 'at']).orderBy('id').execute();
    // The pending page's old attempt goes (it is history); the page itself stays to be delivered.
    expect(attempts.map((r) => r.id)).toEqual(['at-cutoff-d0', 'new-d0']);
    expect(deleted).toBe(3 + 1 + 3);
    expect(await pruneDeliveries(store.db, CUTOFF)).toBe(0);
  });

  it('deletes the transcripts of executions that finished before the window; the executions stay', async () => {
    const { store } = target;
    await execution(store, 'x-old', CUTOFF - 1, 3);
    await execution(store, 'x-cutoff', CUTOFF, 2);
    await execution(store, 'x-running', null, 2);
    await execution(store, 'x-new', NOW - DAY, 1);
    const deleted = await pruneTranscripts(store.db, CUTOFF);
    expect(deleted).toBe(3 + 1);
    const entries = await store.db.selectFrom('execution_entries').select('execution_id').execute();
    expect(new Set(entries.map((e) => e.execution_id))).toEqual(new Set(['x-cutoff', 'x-running', 'x-new']));
    expect((await store.db.selectFrom('execution_outputs').select('entry_id').execute()).map((r) => r.entry_id).sort()).toEqual(['x-cutoff-e1', 'x-new-e1', 'x-running-e1']);
    expect((await store.db.selectFrom('executions').select('id').execute()).length).toBe(4);
  });

  it('never touches the audit log, reports the store size, and checkpoints the WAL on SQLite', async () => {
    const { store } = target;
    await appendAudit(store.db, store.dialect, { at: CUTOFF - 400 * DAY, actor: 'ann', action: 'x', subject: 'y' });
    await pruneDeliveries(store.db, NOW);
    await pruneTranscripts(store.db, NOW);
    expect((await listAudit(store.db)).length).toBe(1);
    expect(await storeBytes(store)).toBeGreaterThan(4096);
    const cp = await checkpointWal(store);
    if (store.dialect === 'sqlite') expect(cp).toMatchObject({ busy: false, walPages: 0 });
    else expect(cp).toBeUndefined();
  });
});

describe('the daemon’s retention job', () => {
  it('runs every storage.retention.every on the daemon clock and exports the store size', async () => {
    const clock = new SimulatedClock(NOW);
    const harness = await startDaemonApp('retention', { 'ops.yaml': 'storage:\n  retention:\n    deliveries: 1d\n    every: 10m\nchecks: []\n' }, { clock });
    try {
      const store = harness.daemon.store;
      await outbox(store, 'yesterday', 'delivered', NOW - 2 * DAY, [NOW - 2 * DAY]);
      await outbox(store, 'today', 'delivered', NOW - 1000, [NOW - 1000]);
      await clock.advance(9 * 60_000);
      expect((await store.db.selectFrom('outbox').select('id').execute()).length).toBe(2);
      await clock.advance(2 * 60_000);
      const deadline = Date.now() + 30_000;
      while ((await store.db.selectFrom('outbox').select('id').execute()).length !== 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect((await store.db.selectFrom('outbox').select('id').execute()).map((r) => r.id)).toEqual(['today']);
      const metrics = await harness.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/^opsbook_store_bytes \d{4,}/m);
      expect(metrics.body).toMatch(/^opsbook_retention_deleted_total\{kind="deliveries"\} 2$/m);
    } finally {
      await harness.close();
    }
  });
});
