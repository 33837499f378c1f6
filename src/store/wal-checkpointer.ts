import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Store } from './store.js';

/** SQLite's own default: a commit that leaves the WAL past this many pages checkpoints it. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
/**
 * The WAL's size at which the worker empties it: about 16 MB of 4 KiB pages. An alert with its page
 * writes about 200 KB of WAL frames at 20 alerts/s (each commit rewrites every b-tree page it
 * touches), so at SQLite's 1000 pages the worker took the write lock about once a second; at 4000,
 * every 4–5 s.
 */
const WAL_LIMIT_PAGES = 4000;
/**
 * Tries, 1 ms apart, to take the write lock between two of the store's transactions to empty the WAL,
 * this process's queries waiting meanwhile (see the worker's `empty`).
 */
const TRUNCATE_TRIES = 100;

/**
 * The worker's code: its own connection to the file; every `lookEveryMs` it looks at the WAL file's
 * size, and once it holds `limitPages` it checkpoints and empties it. Plain CommonJS: it runs as an
 * eval'd worker script.
 *
 * Why by size, and why it writes a page afterwards: the first commit after the WAL restarts from its
 * start fsyncs the WAL header (SQLite's rule against out-of-order writes, at synchronous=NORMAL too).
 * A checkpoint every second that caught up let the WAL restart every second, so about one alert a
 * second paid for an fsync on the event loop. Emptied once per `limitPages`, the WAL restarts that
 * often; and the worker makes the first commit itself (it sets user_version to the value it has),
 * so the header's fsync runs on this thread, and a store commit meets it only when it comes during
 * those few milliseconds (it then waits for the lock with timers, see SqliteConnection).
 */
const WORKER = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
// Never waits inside SQLite: a checkpoint that meets the writer or a reader gives up at once (having
// copied what it could) and the next look tries again.
db.pragma('busy_timeout = 0');
const limitBytes = workerData.limitPages * db.pragma('page_size', { simple: true });
const checkpoint = (mode) => {
  try {
    const r = db.pragma('wal_checkpoint(' + mode + ')')[0];
    return { busy: r.busy !== 0, walPages: r.log };
  } catch (e) {
    // SQLITE_BUSY: another connection's checkpoint runs.
    if (e && e.code === 'SQLITE_BUSY') return { busy: true, walPages: -1 };
    throw e;
  }
};
const writeHeader = () => {
  try {
    db.exec('begin immediate');
  } catch (e) {
    if (e && e.code === 'SQLITE_BUSY') return; // the store writes first and syncs the header itself
    throw e;
  }
  try {
    db.pragma('user_version = ' + db.pragma('user_version', { simple: true }));
    db.exec('commit');
  } catch (e) {
    if (db.inTransaction) db.exec('rollback');
    throw e;
  }
};
const pause = new Int32Array(new SharedArrayBuffer(4));
const gate = new Int32Array(workerData.gate);
const empty = () => {
  // PASSIVE copies and syncs while the store's connection goes on writing; TRUNCATE then holds the
  // write lock only for the frames written since, and empties the file. Under writes that never
  // pause the write lock is free only between two transactions, for microseconds (on a loaded
  // machine a whole suite's worth of tries could miss them all): so when the first TRUNCATE meets
  // the writer, the worker raises the gate (no query or transaction of this process begins while it
  // is up, see SqliteConnection.take) and tries again, sleeping on this thread, rather than waiting
  // inside SQLite (a busy_timeout would also hold the write lock while it waited for another
  // process's long read). The transaction in progress ends, the next waits, TRUNCATE gets the lock.
  checkpoint('PASSIVE');
  let r = checkpoint('TRUNCATE');
  if (!r.busy) {
    writeHeader();
    return r;
  }
  Atomics.store(gate, 0, 1);
  try {
    for (let i = 1; r.busy && i < workerData.tries; i++) {
      Atomics.wait(pause, 0, 0, 1);
      r = checkpoint('TRUNCATE');
    }
    if (!r.busy) writeHeader();
  } finally {
    Atomics.store(gate, 0, 0);
    Atomics.notify(gate, 0);
  }
  return r;
};
const walBytes = () => {
  try {
    return fs.statSync(workerData.file + '-wal').size;
  } catch {
    return 0;
  }
};
const timer = setInterval(() => {
  if (walBytes() >= limitBytes) empty();
}, workerData.lookEveryMs);
parentPort.on('message', (m) => {
  if (m.op === 'truncate') {
    parentPort.postMessage({ id: m.id, result: empty() });
    return;
  }
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointerOptions {
  /** How often the worker looks at the WAL file's size (default 100 ms). */
  lookEveryMs?: number;
  /** The WAL's size, in pages, at which the worker checkpoints and empties it (default 4000, about 16 MB). */
  limitPages?: number;
  /** Called when the worker fails; the store's own connection then checkpoints again, as SQLite does by default. */
  onError?: (e: unknown) => void;
}

/** What a checkpoint that empties the WAL did: `busy` when a reader or writer kept it from emptying the file. */
export interface WalTruncation {
  busy: boolean;
  walPages: number;
}

/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the commit that takes the WAL past
 * 1000 pages copies them into the database and fsyncs both files on the committing (main) thread:
 * under a steady trickle of alerts a 5–50 ms stall, felt by whichever alert commits then. With this
 * started, the store's connection never checkpoints (`wal_autocheckpoint = 0`); a worker thread with
 * a connection of its own does, once the WAL file holds `limitPages`, and empties it, so the WAL
 * stays bounded under sustained writes too. SQLite files only; `stop` before the store closes.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private stopping = false;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (r: WalTruncation) => void; reject: (e: unknown) => void }>();

  private constructor(private readonly store: Store) {}

  /** Started for a SQLite file store; undefined for PostgreSQL and `:memory:`. */
  static async start(store: Store, o: WalCheckpointerOptions = {}): Promise<WalCheckpointer | undefined> {
    if (store.dialect !== 'sqlite' || store.location === ':memory:') return undefined;
    const c = new WalCheckpointer(store);
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const gate = new SharedArrayBuffer(4);
    const workerData = { driver, file: store.location, lookEveryMs: o.lookEveryMs ?? 100, limitPages: o.limitPages ?? WAL_LIMIT_PAGES, tries: TRUNCATE_TRIES, gate };
    const worker = new Worker(WORKER, { eval: true, workerData });
    store.giveWayTo?.(new Int32Array(gate));
    worker.unref();
    c.worker = worker;
    const fallBack = (e: unknown): void => {
      for (const p of c.pending.values()) p.reject(e);
      c.pending.clear();
      if (c.worker === worker) store.giveWayTo?.(undefined);
      if (c.stopping || c.worker !== worker) return;
      c.worker = undefined;
      o.onError?.(e);
      void setAutocheckpoint(store, SQLITE_AUTOCHECKPOINT_PAGES).catch(() => {});
    };
    worker.on('message', (m: { id: number; result: WalTruncation }) => {
      c.pending.get(m.id)?.resolve(m.result);
      c.pending.delete(m.id);
    });
    worker.on('error', fallBack);
    worker.on('exit', (code) => fallBack(new Error(`WAL checkpoint worker exited with code ${code}`)));
    await setAutocheckpoint(store, 0);
    return c;
  }

  /** True while the worker checkpoints (false after a failure: the store checkpoints on commit again). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Checkpoints and empties the WAL now, on the worker's connection (housekeeping's periodic truncation). */
  truncate(): Promise<WalTruncation> {
    const worker = this.worker;
    if (!worker || this.stopping) return Promise.reject(new Error('the WAL checkpoint worker is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ op: 'truncate', id });
    });
  }

  /** Ends the worker (its connection closed) and gives checkpoints back to the store's connection. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.stopping) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ op: 'stop' });
    await exited;
    this.store.giveWayTo?.(undefined);
    this.worker = undefined;
    await setAutocheckpoint(this.store, SQLITE_AUTOCHECKPOINT_PAGES).catch(() => {});
  }
}

async function setAutocheckpoint(store: Store, pages: number): Promise<void> {
  await sql.raw(`pragma wal_autocheckpoint = ${pages}`).execute(store.db);
}
