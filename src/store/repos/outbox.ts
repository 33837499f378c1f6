import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import { goneMember } from './cluster.js';
import type { DeliveriesTable, OutboxTable } from '../tables/notify.js';
import type { StoreDialect } from '../store.js';
import { precompiled } from './precompiled.js';

export type OutboxRow = OutboxTable;
export type DeliveryRow = DeliveriesTable;

/**
 * Inserts an outbox row. With a dedup key already used on the same channel nothing is written and
 * the existing row's id comes back with `created: false`, so a caller that retries after a crash
 * does not page twice.
 */
const OUTBOX_COLUMNS = [
  'id', 'channel_id', 'event', 'incident_id', 'dedup_key', 'payload', 'status', 'created_at', 'due_at', 'attempts', 'retry_from', 'retry_from_attempt',
  'lease_owner', 'delivered_at', 'dead_at', 'last_status', 'last_error',
] as const satisfies ReadonlyArray<keyof OutboxRow>;
const insertOutboxQ = precompiled(OUTBOX_COLUMNS, (db, row) => db.insertInto('outbox').values(row).onConflict((oc) => oc.columns(['channel_id', 'dedup_key']).doNothing()));

export async function insertOutbox(db: Kysely<Database>, row: OutboxRow): Promise<{ id: string; created: boolean }> {
  const r = await insertOutboxQ(db, row);
  if (Number(r.numAffectedRows ?? 0n) > 0 || row.dedup_key === null) return { id: row.id, created: true };
  const existing = await db
    .selectFrom('outbox')
    .select('id')
    .where('channel_id', '=', row.channel_id)
    .where('dedup_key', '=', row.dedup_key)
    .executeTakeFirstOrThrow();
  return { id: existing.id, created: false };
}

export interface ClaimOptions {
  now: number;
  /** Who takes the lease; recorded so only this worker may settle the attempt. */
  owner: string;
  leaseMs: number;
  limit: number;
  /** Channels whose rows are left where they are (their sender has no free slot for them). */
  exclude?: readonly string[];
}

/**
 * Takes up to `limit` due rows in one statement: pending rows whose attempt is due, and delivering
 * rows whose lease has run out (their worker died). Each claim starts a new attempt. On PostgreSQL
 * `FOR UPDATE SKIP LOCKED` lets several processes claim side by side without taking the same row;
 * SQLite runs one writer at a time, so the statement is atomic there by itself.
 *
 * A row whose owner is known to be gone is made due first (`releaseGoneMemberLeases` on PostgreSQL,
 * `releaseOutboxLeases` on SQLite), then this claim takes it like any other.
 */
/** The claim, built and compiled once per dialect (see precompiled); PostgreSQL's skips rows other claimers hold. */
function claimQuery(db: Kysely<Database>, p: Record<'now' | 'owner' | 'dueAt' | 'limit', never>, skipLocked: boolean, exclude: readonly string[] = []) {
  let due = db.selectFrom('outbox').select('id').where('due_at', '<=', p.now).orderBy('due_at').limit(p.limit);
  if (exclude.length > 0) due = due.where('channel_id', 'not in', [...exclude]);
  if (skipLocked) due = due.forUpdate().skipLocked();
  return db
    .updateTable('outbox')
    .set((eb) => ({
      status: 'delivering' as const,
      lease_owner: p.owner,
      due_at: p.dueAt,
      attempts: eb('attempts', '+', 1),
    }))
    .where('id', 'in', due)
    // Re-checked on the row itself: under READ COMMITTED another claimer may have moved it meanwhile.
    .where('due_at', '<=', p.now)
    .returningAll();
}
const claimQ = precompiled(['now', 'owner', 'dueAt', 'limit'], (db, p) => claimQuery(db, p, false));
const claimSkipLockedQ = precompiled(['now', 'owner', 'dueAt', 'limit'], (db, p) => claimQuery(db, p, true));
const nextDueQ = precompiled([], (db) => db.selectFrom('outbox').select((eb) => eb.fn.min('due_at').as('next')));

export async function claimDueOutbox(db: Kysely<Database>, dialect: StoreDialect, o: ClaimOptions): Promise<OutboxRow[]> {
  const params = { now: o.now, owner: o.owner, dueAt: o.now + o.leaseMs, limit: o.limit };
  if (o.exclude && o.exclude.length > 0) {
    // Built for the channels left out (only while one of them is full): not the precompiled path.
    const p = params as unknown as Record<'now' | 'owner' | 'dueAt' | 'limit', never>;
    return (await claimQuery(db, p, dialect === 'postgres', o.exclude).execute()) as OutboxRow[];
  }
  const q = dialect === 'postgres' ? claimSkipLockedQ : claimQ;
  return (await q(db, params)).rows as OutboxRow[];
}

/**
 * PostgreSQL: the rows a cluster member that is gone was sending (its heartbeat lapsed by the
 * database's clock, or it left) fall due at `now`, in one statement; the next claim takes them, same
 * id, as a new attempt. A live member's rows, `owner`'s own and those of a worker outside any cluster
 * keep their lease. Returns how many. (A separate statement, run once a poll interval, rather than a
 * part of every claim: in the claim it made each claim 1.1–5× slower, measured on a loaded machine.)
 */
export async function releaseGoneMemberLeases(db: Kysely<Database>, owner: string, now: number): Promise<number> {
  const r = await db
    .updateTable('outbox')
    .set({ due_at: now })
    .where('status', '=', 'delivering')
    .where('due_at', '>', now)
    .where('lease_owner', '<>', owner)
    .where(goneMember(sql.ref('outbox.lease_owner')))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The owners, other than `owner`, of rows being sent now (`delivering`). */
export async function otherLeaseOwners(db: Kysely<Database>, owner: string): Promise<string[]> {
  const rows = await db.selectFrom('outbox').select('lease_owner').distinct().where('status', '=', 'delivering').where('lease_owner', '<>', owner).execute();
  return rows.flatMap((r) => (r.lease_owner === null ? [] : [r.lease_owner]));
}

/**
 * The rows `owners` (known to be gone) were sending fall due at `now`: the next claim takes them,
 * same id, as a new attempt. Their lease owner is kept, so an owner that was wrongly judged gone
 * could still settle its attempt until another worker claims the row. Returns how many.
 */
export async function releaseOutboxLeases(db: Kysely<Database>, owners: readonly string[], now: number): Promise<number> {
  if (owners.length === 0) return 0;
  const r = await db.updateTable('outbox').set({ due_at: now }).where('status', '=', 'delivering').where('lease_owner', 'in', [...owners]).where('due_at', '>', now).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** The earliest instant any row falls due (a retry or a lease running out), if any. */
export async function nextOutboxDueAt(db: Kysely<Database>, exclude: readonly string[] = []): Promise<number | undefined> {
  const r =
    exclude.length > 0
      ? await db.selectFrom('outbox').select((eb) => eb.fn.min('due_at').as('next')).where('channel_id', 'not in', [...exclude]).executeTakeFirst()
      : ((await nextDueQ(db, {})).rows[0] as { next: number | string | null } | undefined);
  return r?.next === null || r?.next === undefined ? undefined : Number(r.next);
}

export type AttemptResult =
  | { state: 'delivered'; at: number }
  | { state: 'retry'; at: number; dueAt: number }
  | { state: 'dead'; at: number };

export interface AttemptRecord {
  row: Pick<OutboxRow, 'id' | 'channel_id' | 'incident_id' | 'attempts'>;
  owner: string;
  result: AttemptResult;
  delivery: { id: string; statusCode: number | null; error: string | null; detail: string | null; durationMs: number };
}

/**
 * Settles one attempt: logs it in `deliveries` and moves the row on, in one transaction. The row
 * only moves if this worker still holds that attempt's lease; otherwise the attempt is logged as
 * `superseded` and the row is left to whoever holds it now. Returns whether the row moved.
 */
const SETTLE_FIELDS = ['id', 'owner', 'attempts', 'last_status', 'last_error', 'at', 'due_at'] as const;
/** The three ways an attempt moves its row, each compiled once: only the holder of that attempt's lease moves it. */
const settleQ = {
  delivered: precompiled(SETTLE_FIELDS, (db, p) =>
    db.updateTable('outbox').set({ last_status: p.last_status, last_error: p.last_error, lease_owner: null, status: 'delivered', due_at: null, delivered_at: p.at })
      .where('id', '=', p.id).where('status', '=', 'delivering').where('lease_owner', '=', p.owner).where('attempts', '=', p.attempts),
  ),
  retry: precompiled(SETTLE_FIELDS, (db, p) =>
    db.updateTable('outbox').set({ last_status: p.last_status, last_error: p.last_error, lease_owner: null, status: 'pending', due_at: p.due_at })
      .where('id', '=', p.id).where('status', '=', 'delivering').where('lease_owner', '=', p.owner).where('attempts', '=', p.attempts),
  ),
  dead: precompiled(SETTLE_FIELDS, (db, p) =>
    db.updateTable('outbox').set({ last_status: p.last_status, last_error: p.last_error, lease_owner: null, status: 'dead', due_at: null, dead_at: p.at })
      .where('id', '=', p.id).where('status', '=', 'delivering').where('lease_owner', '=', p.owner).where('attempts', '=', p.attempts),
  ),
};
const insertDeliveryQ = precompiled(
  ['id', 'outbox_id', 'channel_id', 'incident_id', 'attempt', 'at', 'outcome', 'status_code', 'error', 'detail', 'duration_ms'] as const satisfies ReadonlyArray<keyof DeliveryRow>,
  (db, row) => db.insertInto('deliveries').values(row),
);

export async function recordOutboxAttempt(db: Kysely<Database>, rec: AttemptRecord): Promise<boolean> {
  return db.transaction().execute(async (trx) => (await recordOutboxAttemptsIn(trx, [rec]))[0]!);
}

/**
 * Settles attempts inside the caller's transaction (see recordOutboxAttempt), in order; whether
 * each row moved. A worker settles the attempts that finish together in one transaction.
 */
export async function recordOutboxAttemptsIn(trx: Kysely<Database>, recs: readonly AttemptRecord[]): Promise<boolean[]> {
  const moved: boolean[] = [];
  for (const rec of recs) {
    const { result, row } = rec;
    const r = await settleQ[result.state](trx, {
      id: row.id,
      owner: rec.owner,
      attempts: row.attempts,
      last_status: rec.delivery.statusCode,
      last_error: rec.delivery.error,
      at: result.at,
      due_at: result.state === 'retry' ? result.dueAt : null,
    });
    const didMove = Number(r.numAffectedRows ?? 0n) > 0;
    await insertDeliveryQ(trx, {
      id: rec.delivery.id,
      outbox_id: row.id,
      channel_id: row.channel_id,
      incident_id: row.incident_id,
      attempt: row.attempts,
      at: result.at,
      outcome: didMove ? result.state : 'superseded',
      status_code: rec.delivery.statusCode,
      error: rec.delivery.error,
      detail: rec.delivery.detail,
      duration_ms: Math.round(rec.delivery.durationMs),
    });
    moved.push(didMove);
  }
  return moved;
}

const getOutboxQ = precompiled(['id'], (db, p) => db.selectFrom('outbox').selectAll().where('id', '=', p.id));

export async function getOutbox(db: Kysely<Database>, id: string): Promise<OutboxRow | undefined> {
  return (await getOutboxQ(db, { id })).rows[0];
}

export async function listOutbox(
  db: Kysely<Database>,
  filter: { status?: OutboxRow['status']; incidentId?: string; channelId?: string; limit?: number } = {},
): Promise<OutboxRow[]> {
  let q = db.selectFrom('outbox').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc');
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.incidentId) q = q.where('incident_id', '=', filter.incidentId);
  if (filter.channelId) q = q.where('channel_id', '=', filter.channelId);
  if (filter.limit) q = q.limit(filter.limit);
  return q.execute();
}

/** Counts of rows per status, for metrics and `opsbook notify status`. */
export async function countOutbox(db: Kysely<Database>): Promise<Record<OutboxRow['status'], number>> {
  const rows = await db.selectFrom('outbox').select((eb) => ['status', eb.fn.countAll().as('n')]).groupBy('status').execute();
  const out = { pending: 0, delivering: 0, delivered: 0, dead: 0, cancelled: 0 };
  for (const r of rows) out[r.status] = Number(r.n);
  return out;
}

export interface CancelOutbox {
  incidentId: string;
  /** Only rows of these events (the pages) are cancelled; status updates go on. */
  events: readonly string[];
  at: number;
  reason: string;
  /** Ids for the delivery-log lines, one per cancelled row. */
  newDeliveryId: () => string;
}

/**
 * Calls off an incident's rows of `events` not yet through (pending, or delivering: an attempt in
 * flight then settles as `superseded`), in one transaction, logging a `cancelled` line for each in
 * the delivery log. Returns the rows as they were before.
 */
export async function cancelIncidentOutbox(db: Kysely<Database>, c: CancelOutbox): Promise<OutboxRow[]> {
  if (c.events.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('outbox')
      .selectAll()
      .where('incident_id', '=', c.incidentId)
      .where('event', 'in', [...c.events])
      .where('status', 'in', ['pending', 'delivering'])
      .execute();
    const cancelled: OutboxRow[] = [];
    for (const row of rows) {
      const r = await trx
        .updateTable('outbox')
        .set({ status: 'cancelled', due_at: null, lease_owner: null, last_error: c.reason })
        .where('id', '=', row.id)
        .where('status', '=', row.status)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) continue;
      cancelled.push(row);
      await trx
        .insertInto('deliveries')
        .values({
          id: c.newDeliveryId(),
          outbox_id: row.id,
          channel_id: row.channel_id,
          incident_id: row.incident_id,
          attempt: row.attempts,
          at: c.at,
          outcome: 'cancelled',
          status_code: null,
          error: c.reason,
          detail: null,
          duration_ms: 0,
        })
        .execute();
    }
    return cancelled;
  });
}

/**
 * Puts a dead row back in line: pending, due now, with a fresh retry window. Returns false when
 * the row does not exist or is not dead.
 */
export async function redriveOutbox(db: Kysely<Database>, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('outbox')
    .set((eb) => ({ status: 'pending' as const, due_at: now, dead_at: null, retry_from: now, retry_from_attempt: eb.ref('attempts') }))
    .where('id', '=', id)
    .where('status', '=', 'dead')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The delivery log: every attempt, oldest first, for one incident or one outbox row. */
export async function listDeliveries(db: Kysely<Database>, filter: { incidentId?: string; outboxId?: string; limit?: number; offset?: number }): Promise<DeliveryRow[]> {
  let q = db.selectFrom('deliveries').selectAll().orderBy('at', 'asc').orderBy('attempt', 'asc').orderBy('id', 'asc');
  if (filter.incidentId) q = q.where('incident_id', '=', filter.incidentId);
  if (filter.outboxId) q = q.where('outbox_id', '=', filter.outboxId);
  if (filter.limit) q = q.limit(filter.limit);
  if (filter.offset) q = q.offset(filter.offset);
  return q.execute();
}

/** The newest `limit` delivery attempts of an incident, shown oldest first as the log is: for a page that shows a bounded list. */
export async function latestDeliveries(db: Kysely<Database>, incidentId: string, limit: number): Promise<DeliveryRow[]> {
  const rows = await db.selectFrom('deliveries').selectAll().where('incident_id', '=', incidentId).orderBy('at', 'desc').orderBy('attempt', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.reverse();
}

/** How many delivery attempts an incident's notifications had: what a bounded list left out. */
export async function countDeliveries(db: Kysely<Database>, incidentId: string): Promise<number> {
  const row = await db.selectFrom('deliveries').select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).where('incident_id', '=', incidentId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Reads a generated key by name, creating it with `make()` on first use. Two processes racing to
 * create it both end up with the one that was written first.
 */
export async function getOrCreateNotifyKey(db: Kysely<Database>, name: string, make: () => string, now: number): Promise<string> {
  const found = await db.selectFrom('notify_keys').select('secret').where('name', '=', name).executeTakeFirst();
  if (found) return found.secret;
  await db
    .insertInto('notify_keys')
    .values({ name, secret: make(), created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db.selectFrom('notify_keys').select('secret').where('name', '=', name).executeTakeFirstOrThrow();
  return row.secret;
}

/** When the oldest message still waiting (pending or delivering) was enqueued; undefined when none waits. */
export async function oldestWaitingOutboxAt(db: Kysely<Database>): Promise<number | undefined> {
  const row = await db.selectFrom('outbox').select((eb) => eb.fn.min('created_at').as('at')).where('status', 'in', ['pending', 'delivering']).executeTakeFirst();
  return row?.at === null || row?.at === undefined ? undefined : Number(row.at);
}

/** Replaces a key with a new secret: whatever was signed with the old one stops verifying. */
export async function replaceNotifyKey(db: Kysely<Database>, name: string, secret: string, now: number): Promise<void> {
  await db.deleteFrom('notify_keys').where('name', '=', name).execute();
  await db.insertInto('notify_keys').values({ name, secret, created_at: now }).execute();
}
