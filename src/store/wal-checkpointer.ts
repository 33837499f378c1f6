import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Store } from './store.js';

/** SQLite's own default: a commit that leaves the WAL past this many pages checkpoints it. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

/**
 * The worker's code: its own connection to the file, a PASSIVE checkpoint every `everyMs` (copies
 * what no reader still needs, never waits for a lock, never blocks the writer). Plain CommonJS: it
 * runs as an eval'd worker script.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (e) {
    // SQLITE_BUSY: another checkpoint runs (the housekeeping TRUNCATE); the next tick tries again.
    if (e && e.code !== 'SQLITE_BUSY') throw e;
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface WalCheckpointerOptions {
  /** How often the worker checkpoints (default 1 s): the WAL holds about this much of the writes. */
  everyMs?: number;
  /** Called when the worker fails; the store's own connection then checkpoints again, as SQLite does by default. */
  onError?: (e: unknown) => void;
}

/**
 * Moves SQLite's WAL checkpoints off the event loop. By default the commit that takes the WAL past
 * 1000 pages copies them into the database and fsyncs both files on the committing (main) thread:
 * under a steady trickle of alerts that is a 5–50 ms stall about once a second, felt by whichever
 * alert commits then. With this started, the store's connection never checkpoints on commit
 * (`wal_autocheckpoint = 0`); a worker thread with a connection of its own does, and the WAL
 * restarts from its start once a checkpoint has caught up. SQLite files only; `stop` before the
 * store closes.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private stopping = false;

  private constructor(private readonly store: Store) {}

  /** Started for a SQLite file store; undefined for PostgreSQL and `:memory:`. */
  static async start(store: Store, o: WalCheckpointerOptions = {}): Promise<WalCheckpointer | undefined> {
    if (store.dialect !== 'sqlite' || store.location === ':memory:') return undefined;
    const c = new WalCheckpointer(store);
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER, { eval: true, workerData: { driver, file: store.location, everyMs: o.everyMs ?? 1000 } });
    worker.unref();
    c.worker = worker;
    const fallBack = (e: unknown): void => {
      if (c.stopping || c.worker !== worker) return;
      c.worker = undefined;
      o.onError?.(e);
      void setAutocheckpoint(store, SQLITE_AUTOCHECKPOINT_PAGES).catch(() => {});
    };
    worker.on('error', fallBack);
    worker.on('exit', (code) => fallBack(new Error(`WAL checkpoint worker exited with code ${code}`)));
    await setAutocheckpoint(store, 0);
    return c;
  }

  /** True while the worker checkpoints (false after a failure: the store checkpoints on commit again). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Ends the worker (its connection closed) and gives checkpoints back to the store's connection. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker || this.stopping) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    await exited;
    this.worker = undefined;
    await setAutocheckpoint(this.store, SQLITE_AUTOCHECKPOINT_PAGES).catch(() => {});
  }
}

async function setAutocheckpoint(store: Store, pages: number): Promise<void> {
  await sql.raw(`pragma wal_autocheckpoint = ${pages}`).execute(store.db);
}
