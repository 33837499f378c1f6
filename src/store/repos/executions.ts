import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { StoreDialect } from '../store.js';
import { inServiceView, type ServiceView } from './team-view.js';
import type {
  ExecutionEntriesTable,
  ExecutionLocksTable,
  ExecutionsTable,
  RecoveryTestsTable,
} from '../tables/executions.js';

export type ExecutionRow = ExecutionsTable;
export type ExecutionEntryRow = ExecutionEntriesTable;
export type ExecutionLockRow = ExecutionLocksTable;
export type RecoveryTestRow = RecoveryTestsTable;

type Db = Kysely<Database>;

export async function insertExecution(db: Db, row: ExecutionRow): Promise<void> {
  await db.insertInto('executions').values(row).execute();
}

export async function updateExecution(db: Db, id: string, patch: Partial<Omit<ExecutionRow, 'id'>>): Promise<void> {
  await db.updateTable('executions').set(patch).where('id', '=', id).execute();
}

/**
 * Ends a running execution (its state, when it finished); false when it is no longer running. The
 * condition is part of the update, so of two people ending it at once exactly one does.
 */
export async function endRunningExecution(db: Db, id: string, patch: Pick<ExecutionRow, 'state' | 'finished_at' | 'updated_at'>): Promise<boolean> {
  const r = await db.updateTable('executions').set(patch).where('id', '=', id).where('state', '=', 'running').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function findExecution(db: Db, id: string): Promise<ExecutionRow | undefined> {
  return db.selectFrom('executions').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface ExecutionListFilter {
  incidentId?: string;
  procedure?: string;
  state?: string;
  /** Only executions with an id below this one (ids sort by start time): the next page. */
  before?: string;
  /** At most this many: one page. Without it, every execution that matches. */
  limit?: number;
  /**
   * Team view: executions of the `visible` services, and of services no team owns (not in `owned`)
   * or of no service at all (as the incident list's).
   */
  services?: ServiceView;
}

/** How many rows one statement reads when every execution is asked for (each row holds its plan). */
const ALL_PAGE = 500;

function executionQuery(db: Db, filter: Omit<ExecutionListFilter, 'limit'>) {
  let q = db.selectFrom('executions');
  if (filter.incidentId) q = q.where('incident_id', '=', filter.incidentId);
  if (filter.procedure) q = q.where('procedure', '=', filter.procedure);
  if (filter.state) q = q.where('state', '=', filter.state);
  if (filter.before) q = q.where('id', '<', filter.before);
  if (filter.services) q = q.where(inServiceView(filter.services));
  return q;
}

/**
 * Newest first (ids sort by start time). With `limit`, one page of at most that many; without it,
 * every execution that matches, read a page at a time by the id cursor (a caller that asks for no
 * limit means all of them: a review, a close of every running one, never the newest few).
 */
export async function listExecutionRows(db: Db, filter: ExecutionListFilter = {}): Promise<ExecutionRow[]> {
  const page = (before: string | undefined, size: number) => executionQuery(db, { ...filter, before }).selectAll().orderBy('id', 'desc').limit(size).execute();
  if (filter.limit !== undefined) return page(filter.before, filter.limit);
  const all: ExecutionRow[] = [];
  for (let before = filter.before; ; ) {
    const rows = await page(before, ALL_PAGE);
    all.push(...rows);
    if (rows.length < ALL_PAGE) return all;
    before = rows.at(-1)!.id;
  }
}

/** How many executions match (the limit is ignored): what a bounded list left out. */
export async function countExecutionRows(db: Db, filter: ExecutionListFilter = {}): Promise<number> {
  const row = await executionQuery(db, filter).select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Appends an entry with the next `seq` of its execution in its own transaction (see appendExecutionEntryIn). */
export async function appendExecutionEntry(
  db: Db,
  dialect: StoreDialect,
  row: Omit<ExecutionEntryRow, 'seq'>,
  full: { stdout?: string; stderr?: string } = {},
): Promise<ExecutionEntryRow> {
  return db.transaction().execute((trx) => appendExecutionEntryIn(trx, dialect, row, full));
}

/**
 * Appends one transcript entry inside the caller's transaction (e.g. with its audit entry), numbered
 * after the execution's last. Writers of one execution (two steps, a step and a tick, in one process
 * or several) take turns, so none reads a number another is about to use: on PostgreSQL the
 * execution's row is locked until the transaction ends, and the insert, a later statement, reads the
 * number committed before it (READ COMMITTED); on SQLite the insert reads the number itself, in the
 * statement that takes the database's write lock, so a writer in another process waits for it
 * (the store's wait for a lock) rather than failing on a number read before the other's commit.
 */
export async function appendExecutionEntryIn(
  trx: Transaction<Database>,
  dialect: StoreDialect,
  row: Omit<ExecutionEntryRow, 'seq'>,
  full: { stdout?: string; stderr?: string } = {},
): Promise<ExecutionEntryRow> {
  if (dialect === 'postgres') await trx.selectFrom('executions').select('id').where('id', '=', row.execution_id).forNoKeyUpdate().execute();
  const next = sql<number>`coalesce(${trx.selectFrom('execution_entries').select('seq').where('execution_id', '=', row.execution_id).orderBy('seq', 'desc').limit(1)}, 0) + 1`;
  const written = await trx.insertInto('execution_entries').values({ ...row, seq: next }).returning('seq').executeTakeFirstOrThrow();
  const entry: ExecutionEntryRow = { ...row, seq: Number(written.seq) };
  for (const stream of ['stdout', 'stderr'] as const) {
    const content = full[stream];
    if (content !== undefined) await trx.insertInto('execution_outputs').values({ entry_id: entry.id, stream, content }).execute();
  }
  return entry;
}

/**
 * Completes an entry written before its command ended (status `running`): its result replaces the
 * row's, and the full outputs are kept when given. Inside the caller's transaction (with its audit
 * entry). Undefined, and nothing written, when the entry is no longer `running` (it was marked
 * interrupted meanwhile).
 */
export async function completeExecutionEntryIn(
  trx: Transaction<Database>,
  id: string,
  patch: Partial<Omit<ExecutionEntryRow, 'id' | 'execution_id' | 'seq'>>,
  full: { stdout?: string; stderr?: string } = {},
): Promise<ExecutionEntryRow | undefined> {
  const r = await trx.updateTable('execution_entries').set(patch).where('id', '=', id).where('status', '=', 'running').executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return undefined;
  for (const stream of ['stdout', 'stderr'] as const) {
    const content = full[stream];
    if (content === undefined) continue;
    await trx.deleteFrom('execution_outputs').where('entry_id', '=', id).where('stream', '=', stream).execute();
    await trx.insertInto('execution_outputs').values({ entry_id: id, stream, content }).execute();
  }
  return trx.selectFrom('execution_entries').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** Saves the output so far of an entry still `running`; a row already completed is left as it is. */
export async function saveRunningEntryOutput(db: Db, id: string, patch: Pick<ExecutionEntryRow, 'stdout' | 'stderr' | 'stdout_bytes' | 'stderr_bytes' | 'truncated'>): Promise<void> {
  await db.updateTable('execution_entries').set(patch).where('id', '=', id).where('status', '=', 'running').execute();
}

/** Entries whose command was started and has not ended (status `running`), of every execution. */
export async function listRunningEntries(db: Db): Promise<ExecutionEntryRow[]> {
  return db.selectFrom('execution_entries').selectAll().where('status', '=', 'running').orderBy('execution_id').orderBy('seq').execute();
}

/** Marks a `running` entry as ended by `patch`, unless it was completed meanwhile; true when it was still running. */
export async function endRunningEntryIn(trx: Transaction<Database>, id: string, patch: Partial<Omit<ExecutionEntryRow, 'id' | 'execution_id' | 'seq'>>): Promise<boolean> {
  const r = await trx.updateTable('execution_entries').set(patch).where('id', '=', id).where('status', '=', 'running').executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function listExecutionEntries(db: Db, executionId: string): Promise<ExecutionEntryRow[]> {
  return db.selectFrom('execution_entries').selectAll().where('execution_id', '=', executionId).orderBy('seq', 'asc').execute();
}

/** One entry of one execution's transcript (an entry of another execution is not found). */
export async function findExecutionEntry(db: Db, executionId: string, entryId: string): Promise<ExecutionEntryRow | undefined> {
  return db.selectFrom('execution_entries').selectAll().where('id', '=', entryId).where('execution_id', '=', executionId).executeTakeFirst();
}

/** The full output of an entry's stream, or undefined when it fit in the transcript row. */
export async function findExecutionOutput(db: Db, entryId: string, stream: 'stdout' | 'stderr'): Promise<string | undefined> {
  const row = await db.selectFrom('execution_outputs').select('content').where('entry_id', '=', entryId).where('stream', '=', stream).executeTakeFirst();
  return row?.content;
}

/**
 * Takes (or renews) the lease on `service` for `executionId` until `expiresAt`. Returns the row
 * that holds the lease afterwards: ours when taken, another execution's when it is held.
 */
export async function acquireExecutionLock(db: Db, lock: ExecutionLockRow): Promise<ExecutionLockRow> {
  return db.transaction().execute(async (trx) => {
    await trx.deleteFrom('execution_locks').where('service', '=', lock.service).where('expires_at', '<=', lock.acquired_at).execute();
    const held = await trx.selectFrom('execution_locks').selectAll().where('service', '=', lock.service).executeTakeFirst();
    if (held && held.execution_id !== lock.execution_id) return held;
    if (held) {
      await trx.updateTable('execution_locks').set({ expires_at: lock.expires_at, holder: lock.holder }).where('service', '=', lock.service).execute();
      return { ...held, expires_at: lock.expires_at, holder: lock.holder };
    }
    try {
      await trx.insertInto('execution_locks').values(lock).execute();
    } catch (e) {
      // Another process inserted between our read and insert: the primary key refused ours.
      const winner = await db.selectFrom('execution_locks').selectAll().where('service', '=', lock.service).executeTakeFirst();
      if (winner) return winner;
      throw e;
    }
    return lock;
  });
}

export async function releaseExecutionLocks(db: Db, executionId: string): Promise<void> {
  await db.deleteFrom('execution_locks').where('execution_id', '=', executionId).execute();
}

export async function findExecutionLock(db: Db, service: string): Promise<ExecutionLockRow | undefined> {
  return db.selectFrom('execution_locks').selectAll().where('service', '=', service).executeTakeFirst();
}

export async function upsertRecoveryTest(db: Db, row: RecoveryTestRow): Promise<void> {
  await db.deleteFrom('recovery_tests').where('execution_id', '=', row.execution_id).execute();
  await db.insertInto('recovery_tests').values(row).execute();
}

export interface RecoveryTestFilter {
  procedure?: string;
  /** Only runs started at or after this instant. */
  from?: number;
  /** Only runs started before this instant. */
  to?: number;
}

/**
 * Every recovery-test run that matches, oldest first, read a page at a time by the (start, id)
 * cursor: a report's history and its latest run (a cap here kept the oldest and dropped the newest).
 */
export async function listRecoveryTests(db: Db, filter: RecoveryTestFilter = {}): Promise<RecoveryTestRow[]> {
  const all: RecoveryTestRow[] = [];
  let after: RecoveryTestRow | undefined;
  for (;;) {
    let q = db.selectFrom('recovery_tests').selectAll().orderBy('started_at', 'asc').orderBy('execution_id', 'asc');
    if (filter.procedure) q = q.where('procedure', '=', filter.procedure);
    if (filter.from !== undefined) q = q.where('started_at', '>=', filter.from);
    if (filter.to !== undefined) q = q.where('started_at', '<', filter.to);
    if (after) {
      const { started_at: at, execution_id: id } = after;
      q = q.where((eb) => eb.or([eb('started_at', '>', at), eb.and([eb('started_at', '=', at), eb('execution_id', '>', id)])]));
    }
    const rows = await q.limit(ALL_PAGE).execute();
    all.push(...rows);
    if (rows.length < ALL_PAGE) return all;
    after = rows.at(-1);
  }
}

/**
 * Claims the run of `procedure` due at `due_at`: true when this call recorded it, false when that due
 * time (or a later one) was already claimed — by another process, or by this one a moment ago. One
 * statement, so two claims of the same due time cannot both win.
 */
export async function claimProcedureRun(db: Db, row: { procedure: string; due_at: number; claimed_by: string; claimed_at: number }): Promise<boolean> {
  const r = await db
    .insertInto('procedure_runs')
    .values(row)
    .onConflict((oc) =>
      oc
        .column('procedure')
        .doUpdateSet({ due_at: row.due_at, claimed_by: row.claimed_by, claimed_at: row.claimed_at })
        .where('procedure_runs.due_at', '<', row.due_at),
    )
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** The latest due time of `procedure` any process claimed to run; undefined when none has. */
export async function lastProcedureRun(db: Db, procedure: string): Promise<number | undefined> {
  const row = await db.selectFrom('procedure_runs').select('due_at').where('procedure', '=', procedure).executeTakeFirst();
  return row === undefined ? undefined : Number(row.due_at);
}
