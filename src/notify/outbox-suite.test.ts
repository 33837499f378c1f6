/**
 * The outbox on SQLite and on PostgreSQL (a fresh database per run): claims under a lease, lease
 * expiry handing a message to another worker, fencing of the late worker, the rows of an owner that
 * is gone taken at once (a lapsed cluster member; a SQLite owner whose lock is free), dedup keys,
 * re-drive, and two workers on two connections sharing one outbox without sending anything twice.
 */
import { expect, it } from 'vitest';
import { SimulatedClock, SystemClock } from '../lib/clock.js';
import { newId } from '../lib/ids.js';
import { openStore } from '../store/index.js';
import {
  claimDueOutbox,
  countOutbox,
  getOutbox,
  listDeliveries,
  nextOutboxDueAt,
  otherLeaseOwners,
  recordOutboxAttempt,
  redriveOutbox,
  releaseGoneMemberLeases,
  releaseOutboxLeases,
} from '../store/repos/outbox.js';
import { heartbeatMember, newMemberId } from '../store/repos/cluster.js';
import { describeOnStores } from '../../test/support/store-targets.js';
import { enqueueNotification } from './enqueue.js';
import { channel, startReceiver, testSecret } from './test-support.js';
import { OutboxWorker } from './worker.js';
import type { Notification } from './types.js';
import { scaled } from '../../test/support/timing.js';

const note = (incidentId: string, over: Partial<Notification> = {}): Notification => ({
  channelId: 'hook',
  event: 'incident.triggered',
  incident: { id: incidentId, title: 'disk full', severity: 'sev2', status: 'triggered', url: `http://ops.test/incidents/${incidentId}` },
  ...over,
});

const delivery = (durationMs = 3) => ({ id: newId('dlv'), statusCode: 200, error: null, detail: null, durationMs });

await describeOnStores('opsbook-outbox', 'outbox', { migrate: true }, (target) => {
  it('claims each due row once, even with two claimers at the same time', async () => {
    const clock = new SimulatedClock(1_000_000);
    const ids = new Set<string>();
    for (let i = 0; i < 8; i++) ids.add((await enqueueNotification(target.store, clock, note('inc_claim', { channelId: 'claims' }))).id);
    const other = await openStore({ url: target.url });
    try {
      const [a, b] = await Promise.all([
        claimDueOutbox(target.store.db, target.store.dialect, { now: clock.now(), owner: 'w1', leaseMs: 60_000, limit: 5 }),
        claimDueOutbox(other.db, other.dialect, { now: clock.now(), owner: 'w2', leaseMs: 60_000, limit: 5 }),
      ]);
      const claimed = [...a, ...b].map((r) => r.id);
      expect(new Set(claimed).size).toBe(claimed.length);
      expect(claimed.every((id) => ids.has(id))).toBe(true);
      expect(claimed.length).toBeGreaterThanOrEqual(5);
      for (const r of a) expect([r.status, r.lease_owner, r.attempts, r.due_at]).toEqual(['delivering', 'w1', 1, clock.now() + 60_000]);
      const rest = await claimDueOutbox(target.store.db, target.store.dialect, { now: clock.now(), owner: 'w3', leaseMs: 60_000, limit: 10 });
      expect(new Set([...claimed, ...rest.map((r) => r.id)])).toEqual(ids);
      expect(await claimDueOutbox(target.store.db, target.store.dialect, { now: clock.now(), owner: 'w4', leaseMs: 60_000, limit: 10 })).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('hands a message to another worker once the lease runs out, and fences the late one', async () => {
    const clock = new SimulatedClock(2_000_000);
    const { id } = await enqueueNotification(target.store, clock, note('inc_lease', { channelId: 'lease' }));
    const first = (await claimDueOutbox(target.store.db, target.store.dialect, { now: clock.now(), owner: 'dead-worker', leaseMs: 5_000, limit: 100 })).find((r) => r.id === id);
    expect(first).toBeDefined();
    expect(await nextOutboxDueAt(target.store.db)).toBeLessThanOrEqual(clock.now() + 5_000);

    await clock.advance(4_999);
    expect((await claimDueOutbox(target.store.db, target.store.dialect, { now: clock.now(), owner: 'w2', leaseMs: 5_000, limit: 10 })).map((r) => r.id)).not.toContain(id);
    await clock.advance(1);
    const again = await claimDueOutbox(target.store.db, target.store.dialect, { now: clock.now(), owner: 'w2', leaseMs: 5_000, limit: 10 });
    const second = again.find((r) => r.id === id)!;
    expect([second.lease_owner, second.attempts]).toEqual(['w2', 2]);

    // The first worker comes back late: its attempt is logged, the row is not touched.
    expect(await recordOutboxAttempt(target.store.db, { row: first!, owner: 'dead-worker', result: { state: 'delivered', at: clock.now() }, delivery: delivery() })).toBe(false);
    expect((await getOutbox(target.store.db, id))!.status).toBe('delivering');
    expect(await recordOutboxAttempt(target.store.db, { row: second, owner: 'w2', result: { state: 'delivered', at: clock.now() }, delivery: delivery() })).toBe(true);
    const row = (await getOutbox(target.store.db, id))!;
    expect([row.status, row.due_at, row.delivered_at, row.lease_owner]).toEqual(['delivered', null, clock.now(), null]);
    expect((await listDeliveries(target.store.db, { incidentId: 'inc_lease' })).map((d) => [d.attempt, d.outcome])).toEqual([
      [1, 'superseded'],
      [2, 'delivered'],
    ]);
  });

  /** Rows as a claim by `owner` at `now` would leave them, each in flight until `now + 5 s`. */
  async function inFlight(clock: SimulatedClock, owners: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const owner of owners) {
      const { id } = await enqueueNotification(target.store, clock, note(`inc_owner_${owner}`, { channelId: 'owners' }));
      await target.store.db.updateTable('outbox').set({ status: 'delivering', lease_owner: owner, due_at: clock.now() + 5_000, attempts: 1 }).where('id', '=', id).execute();
      ids.push(id);
    }
    return ids;
  }

  it.skipIf(target.name !== 'postgres')('lets the rows of a cluster member that is gone fall due at once, never a live one\'s, and fences the gone one', async () => {
    const clock = new SimulatedClock(3_000_000);
    const member = (id: string) => ({ id, host: 'h', pid: 1, url: 'http://h', started_at: 0 });
    const [live, lapsed, left] = [newMemberId(), newMemberId(), newMemberId()];
    await heartbeatMember(target.store.db, member(live), 60_000);
    await heartbeatMember(target.store.db, member(lapsed), -1); // its heartbeat ran out a moment ago
    // `left` has no row (it left, or was pruned); `wrk_alone` is a worker outside any cluster: its lease runs its course.
    const [ofLive, ofLapsed, ofLeft, ofAlone] = await inFlight(clock, [live, lapsed, left, 'wrk_alone']);
    expect(await releaseGoneMemberLeases(target.store.db, 'w9', clock.now())).toBe(2);
    const claimed = await claimDueOutbox(target.store.db, target.store.dialect, { now: clock.now(), owner: 'w9', leaseMs: 5_000, limit: 100 });
    expect(claimed.filter((r) => r.channel_id === 'owners').map((r) => [r.id, r.lease_owner, r.attempts]).sort()).toEqual([[ofLapsed, 'w9', 2], [ofLeft, 'w9', 2]].sort());
    for (const id of [ofLive!, ofAlone!]) expect((await getOutbox(target.store.db, id))!.attempts).toBe(1);
    // The lapsed member wakes and finishes its send: its attempt is only logged.
    const stale = { id: ofLapsed!, channel_id: 'owners', incident_id: `inc_owner_${lapsed!}`, attempts: 1 };
    expect(await recordOutboxAttempt(target.store.db, { row: stale, owner: lapsed!, result: { state: 'delivered', at: clock.now() }, delivery: delivery() })).toBe(false);
    // A member's own rows are not taken from it by its own claim, even while its heartbeat has lapsed.
    const [own] = await inFlight(clock, [lapsed]);
    expect(await releaseGoneMemberLeases(target.store.db, lapsed!, clock.now())).toBe(0);
    expect((await claimDueOutbox(target.store.db, target.store.dialect, { now: clock.now(), owner: lapsed!, leaseMs: 5_000, limit: 100 })).map((r) => r.id)).not.toContain(own);
    await target.store.db.deleteFrom('cluster_members').execute();
  });

  it.skipIf(target.name !== 'sqlite')('knows an owner gone once its lock is released, and lets its rows fall due at once', async () => {
    const owners = target.store.leaseOwners!;
    const clock = new SimulatedClock(4_000_000);
    const release = owners.hold('wrk_held');
    const [ofHeld, ofNever] = await inFlight(clock, ['wrk_held', 'wrk_never']);
    expect(await otherLeaseOwners(target.store.db, 'w9')).toEqual(expect.arrayContaining(['wrk_held', 'wrk_never']));
    expect([owners.gone('wrk_held'), owners.gone('wrk_never')]).toEqual([false, true]);
    expect(await releaseOutboxLeases(target.store.db, ['wrk_never'], clock.now())).toBe(1);
    release();
    expect(owners.gone('wrk_held')).toBe(true);
    expect(await releaseOutboxLeases(target.store.db, ['wrk_held'], clock.now())).toBe(1);
    const claimed = await claimDueOutbox(target.store.db, target.store.dialect, { now: clock.now(), owner: 'w9', leaseMs: 5_000, limit: 100 });
    expect(claimed.filter((r) => r.channel_id === 'owners').map((r) => [r.id, r.attempts]).sort()).toEqual([[ofHeld, 2], [ofNever, 2]].sort());
  });

  it('keeps one row per (channel, dedup key) and re-drives only dead rows', async () => {
    const clock = new SimulatedClock(3_000_000);
    const a = await enqueueNotification(target.store, clock, note('inc_dedup', { channelId: 'dedup', dedupKey: 'k1' }));
    const b = await enqueueNotification(target.store, clock, note('inc_dedup', { channelId: 'dedup', dedupKey: 'k1' }));
    const c = await enqueueNotification(target.store, clock, note('inc_dedup', { channelId: 'dedup-other', dedupKey: 'k1' }));
    expect([a.created, b.created, c.created]).toEqual([true, false, true]);
    expect(b.id).toBe(a.id);
    expect(c.id).not.toBe(a.id);

    expect(await redriveOutbox(target.store.db, a.id, clock.now())).toBe(false);
    const [row] = (await claimDueOutbox(target.store.db, target.store.dialect, { now: clock.now(), owner: 'w', leaseMs: 1000, limit: 100 })).filter((r) => r.id === a.id);
    await recordOutboxAttempt(target.store.db, { row: row!, owner: 'w', result: { state: 'dead', at: clock.now() }, delivery: { ...delivery(), statusCode: 410, error: 'HTTP 410' } });
    await clock.advance(60_000);
    expect(await redriveOutbox(target.store.db, a.id, clock.now())).toBe(true);
    const redriven = (await getOutbox(target.store.db, a.id))!;
    expect([redriven.status, redriven.due_at, redriven.retry_from, redriven.retry_from_attempt, redriven.dead_at]).toEqual(['pending', clock.now(), clock.now(), 1, null]);
    expect((await countOutbox(target.store.db)).dead).toBe(0);
  });

  it('two workers on two connections deliver every message exactly once when nothing crashes', async () => {
    const receiver = await startReceiver(() => ({ status: 200 }));
    const clock = new SystemClock();
    const channels = [channel({ id: 'shared', kind: 'webhook', url: receiver.url, secrets: [testSecret(1)] })];
    // SQLite serves one process through one connection: a second better-sqlite3 connection in the
    // same process would block the event loop on the first one's lock. PostgreSQL gets a real second pool.
    const other = target.name === 'postgres' ? await openStore({ url: target.url }) : target.store;
    const workers = [
      new OutboxWorker({ store: target.store, clock, channels, concurrency: 4, pollIntervalMs: 20 }),
      new OutboxWorker({ store: other, clock, channels, concurrency: 4, pollIntervalMs: 20 }),
    ];
    try {
      const ids: string[] = [];
      for (let i = 0; i < 40; i++) ids.push((await enqueueNotification(other, clock, note(`inc_pair_${i}`, { channelId: 'shared' }))).id);
      for (const w of workers) w.start();
      await receiver.waitFor(40, scaled(20_000));
      for (const w of workers) await w.idle();
      const got = receiver.requests.map((r) => String(r.headers['webhook-id']));
      expect(got.sort()).toEqual([...ids].sort());
      for (const id of ids) expect((await getOutbox(target.store.db, id))!.status).toBe('delivered');
    } finally {
      for (const w of workers) await w.stop(Date.now() + 1000);
      if (other !== target.store) await other.close();
      await receiver.close();
    }
  });
});
