/**
 * A write of opsbook's SQLite store that meets another process's write lock (a CLI command, a
 * second daemon) waits for it without stopping this process: its timers keep firing and its other
 * queries are answered meanwhile. Once the other process lets go the write goes through; held past
 * the wait (5 s, as busy_timeout was), it is refused with SQLITE_BUSY (OPSBOOK_E_STORE_BUSY),
 * having changed nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IncidentService } from '../../src/incidents/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { namedStoreError, openStore, type Store } from '../../src/store/index.js';
import { exited, sleep, startChild } from '../support/crash.js';

const actor = { name: 'ana', role: 'responder' as const, via: 'cli' as const };

interface Waited<T> {
  outcome: { ok: true; value: T } | { ok: false; error: unknown };
  /** Whether the write had settled while the other process still held the lock. */
  settledWhileHeld: boolean;
  /** Ticks of a 50 ms interval between the write's start and its end. */
  ticksWhileWaiting: number;
  waitedMs: number;
}

describe('a write of the SQLite store while another process holds its write lock', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-lock-wait-'));
  const file = path.join(dir, 'opsbook.db');
  let store: Store;
  let incidents: IncidentService;
  beforeAll(async () => {
    store = await openStore({ url: file });
    await store.migrate();
    incidents = new IncidentService(store, new SystemClock(), {});
  });
  afterAll(async () => {
    await store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Runs `write` while a child process holds the file's write lock (BEGIN IMMEDIATE); the child lets
   * go once `releaseWhen` says so (or the write has ended), and the write's end is awaited.
   */
  async function whileHeld<T>(write: () => Promise<T>, releaseWhen: (w: { ticks: number; ms: number }) => boolean): Promise<Waited<T>> {
    const release = path.join(dir, 'release');
    fs.rmSync(release, { force: true });
    const holder = await startChild('test/store/write-lock-holder.ts', [file]);
    let ticks = 0;
    const interval = setInterval(() => ticks++, 50);
    try {
      const started = performance.now();
      let ended: { ticks: number; ms: number } | undefined;
      const outcome = write().then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      void outcome.then(() => (ended = { ticks, ms: performance.now() - started }));
      while (!ended && !releaseWhen({ ticks, ms: performance.now() - started })) await sleep(20);
      const settledWhileHeld = ended !== undefined;
      fs.writeFileSync(release, '');
      await exited(holder);
      const result = await outcome;
      await sleep(0);
      return { outcome: result, settledWhileHeld, ticksWhileWaiting: ended!.ticks, waitedMs: ended!.ms };
    } finally {
      clearInterval(interval);
      fs.writeFileSync(release, '');
      await exited(holder);
    }
  }

  /** About 2 s held, once the interval has ticked a few times. */
  const twoSeconds = ({ ticks, ms }: { ticks: number; ms: number }) => ticks >= 5 && ms >= 2000;

  it('waits for the lock in a transaction (BEGIN IMMEDIATE) with the event loop turning, and commits once it is let go', async () => {
    const waited = await whileHeld(() => incidents.create({ title: 'checkout down', severity: 'P2' }, actor), twoSeconds);
    expect(waited.ticksWhileWaiting, 'ticks of a 50 ms interval while the write waited').toBeGreaterThanOrEqual(5);
    expect(waited.settledWhileHeld, 'the write ended while the lock was still held').toBe(false);
    expect(waited.outcome.ok, String((waited.outcome as { error?: unknown }).error)).toBe(true);
    const id = (waited.outcome as { value: { incident: { id: string } } }).value.incident.id;
    expect((await incidents.get(id))?.title).toBe('checkout down');
  });

  it('waits for the lock in a write outside a transaction (autocommit) the same way', async () => {
    const { incident } = await incidents.create({ title: 'queue backed up', severity: 'P3' }, actor);
    const write = () => store.db.updateTable('incidents').set({ title: 'queue drained' }).where('id', '=', incident.id).executeTakeFirst();
    const waited = await whileHeld(write, twoSeconds);
    expect(waited.ticksWhileWaiting, 'ticks of a 50 ms interval while the write waited').toBeGreaterThanOrEqual(5);
    expect(waited.settledWhileHeld).toBe(false);
    expect(waited.outcome.ok, String((waited.outcome as { error?: unknown }).error)).toBe(true);
    expect((await incidents.get(incident.id))?.title).toBe('queue drained');
  });

  it("answers this process's reads while a write waits for the lock", async () => {
    const { incident } = await incidents.create({ title: 'disk filling', severity: 'P3' }, actor);
    let read: { title: string; writeStillWaiting: boolean } | undefined;
    let writeEnded = false;
    const write = async () => {
      try {
        return await incidents.create({ title: 'second one', severity: 'P3' }, actor);
      } finally {
        writeEnded = true;
      }
    };
    const waited = await whileHeld(write, ({ ticks }) => {
      // Once the write is under way, read through the same store, then let go.
      if (ticks >= 5 && !read) {
        void store.db.selectFrom('incidents').select('title').where('id', '=', incident.id).executeTakeFirstOrThrow().then((r) => (read = { title: r.title, writeStillWaiting: !writeEnded }));
      }
      return read !== undefined;
    });
    expect(read).toEqual({ title: 'disk filling', writeStillWaiting: true });
    expect(waited.outcome.ok).toBe(true);
  });

  it('refuses the write with SQLITE_BUSY (OPSBOOK_E_STORE_BUSY) after the whole wait, having changed nothing, the event loop turning throughout', async () => {
    const before = await store.db.selectFrom('incidents').select(['id', 'title', 'state']).orderBy('id').execute();
    const waited = await whileHeld(() => incidents.create({ title: 'never stored', severity: 'P2' }, actor), () => false);
    expect(waited.settledWhileHeld).toBe(true);
    expect(waited.outcome.ok).toBe(false);
    const error = (waited.outcome as { error: unknown }).error;
    expect((namedStoreError(error) as { code?: string }).code, String(error)).toBe('OPSBOOK_E_STORE_BUSY');
    expect(String(error)).toMatch(/database is locked/);
    // The same bound as busy_timeout (5 s): a lower bound only.
    expect(waited.waitedMs).toBeGreaterThanOrEqual(4900);
    expect(waited.ticksWhileWaiting).toBeGreaterThanOrEqual(10);
    expect(await store.db.selectFrom('incidents').select(['id', 'title', 'state']).orderBy('id').execute()).toEqual(before);
  });
});
