import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { Store } from '../store.js';

type Db = Kysely<Database>;

const FINISHED_OUTBOX = ['delivered', 'dead', 'cancelled'] as const;

/**
 * Deletes delivery attempts made before `before`, and outbox rows that reached an end state
 * (delivered, dead, cancelled) and were created before it. Pending pages are never touched.
 */
export async function pruneDeliveries(db: Db, before: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const attempts = await trx.deleteFrom('deliveries').where('at', '<', before).executeTakeFirst();
    const ended = trx.selectFrom('outbox').select('id').where('status', 'in', FINISHED_OUTBOX).where('created_at', '<', before);
    const orphans = await trx.deleteFrom('deliveries').where('outbox_id', 'in', ended).executeTakeFirst();
    const rows = await trx.deleteFrom('outbox').where('status', 'in', FINISHED_OUTBOX).where('created_at', '<', before).executeTakeFirst();
    return Number(attempts.numDeletedRows) + Number(orphans.numDeletedRows) + Number(rows.numDeletedRows);
  });
}

/**
 * Deletes the transcripts (entries and full outputs) of executions that finished before `before`.
 * The execution's own row (who ran what, when, how it ended) stays.
 */
export async function pruneTranscripts(db: Db, before: number): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const finished = trx.selectFrom('executions').select('id').where('finished_at', 'is not', null).where('finished_at', '<', before);
    const entries = trx.selectFrom('execution_entries').select('id').where('execution_id', 'in', finished);
    const outputs = await trx.deleteFrom('execution_outputs').where('entry_id', 'in', entries).executeTakeFirst();
    const rows = await trx.deleteFrom('execution_entries').where('execution_id', 'in', finished).executeTakeFirst();
    return Number(outputs.numDeletedRows) + Number(rows.numDeletedRows);
  });
}

/** Bytes the store occupies: SQLite pages plus its WAL, or PostgreSQL's database size. */
export async function storeBytes(store: Store): Promise<number> {
  if (store.dialect === 'postgres') {
    const r = await sql<{ bytes: string }>`select pg_database_size(current_database())::text as bytes`.execute(store.db);
    return Number(r.rows[0]!.bytes);
  }
  const pages = await sql<{ page_count: number }>`pragma page_count`.execute(store.db);
  const size = await sql<{ page_size: number }>`pragma page_size`.execute(store.db);
  return Number(pages.rows[0]!.page_count) * Number(size.rows[0]!.page_size);
}

/**
 * SQLite: checkpoints the WAL into the database and truncates it to zero bytes (readers that are
 * still open may keep it from truncating; the next run catches up). A no-op on PostgreSQL.
 *
 * Without waiting: a TRUNCATE checkpoint holds the write lock while it waits for readers to leave
 * the WAL, and better-sqlite3 waits on the thread that called it. With a busy_timeout on the store's
 * connection, a long read in another process on the file (an export, a backup, a report) stalled this
 * process's event loop, and every writer of every process, for the whole timeout (5 s) at each
 * checkpoint, only to give up. The store's connection has busy_timeout 0 (SqliteConnection waits for
 * locks with timers instead), and the pragma reports a checkpoint it could not finish as `busy`
 * rather than failing with SQLITE_BUSY, so nothing waits for it: the next run catches up.
 */
export async function checkpointWal(store: Store): Promise<{ busy: boolean; walPages: number } | undefined> {
  if (store.dialect !== 'sqlite') return undefined;
  const row = (await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(TRUNCATE)`.execute(store.db)).rows[0]!;
  return { busy: row.busy !== 0, walPages: Number(row.log) };
}
