import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { newId } from '../../lib/ids.js';
import { OpsbookError } from '../../lib/errors/index.js';
import type { Database } from '../database.js';
import type { ClusterFencingTable, ClusterLeasesTable, ClusterMembersTable } from '../tables/cluster.js';

// PostgreSQL only: leases and heartbeats are judged by the database's clock, never a process's, so
// processes whose clocks disagree (or one that was paused) still agree on who holds what.

type Db = Kysely<Database> | Transaction<Database>;

export type ClusterMemberRow = ClusterMembersTable;
export type ClusterLeaseRow = ClusterLeasesTable;
export type ClusterFencingRow = ClusterFencingTable;

/** The database's clock, epoch ms. */
const NOW = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** How every member id begins: an outbox lease owner named so is a member, judged by its membership. */
const MEMBER_PREFIX = 'member_';

/** Whether `owner` is named like a cluster member (judged by its membership, not by a heartbeat of its own). */
export function isMemberId(owner: string): boolean {
  return owner.startsWith(MEMBER_PREFIX);
}

/** A new member id (a process joining). It is also the owner its outbox worker claims under. */
export function newMemberId(): string {
  return newId(MEMBER_PREFIX.slice(0, -1));
}

/**
 * True (by the database's clock) when `owner` names a member that is gone: its heartbeat has
 * lapsed, or it left (or was pruned) and has no row. An owner not named like a member (a worker
 * outside any cluster) is never judged gone here.
 */
export function goneMember(owner: RawBuilder<unknown>): RawBuilder<boolean> {
  // `not in` an uncorrelated list: the live members are read once per statement (a hashed subplan), not once per row.
  return sql<boolean>`(left(${owner}, ${sql.lit(MEMBER_PREFIX.length)}) = ${sql.lit(MEMBER_PREFIX)} and ${owner} not in (select live.id from cluster_members live where live.expires_at > ${NOW}))`;
}

/** A lease name and the epoch a write was made under. */
export interface LeaseToken {
  lease: string;
  epoch: number;
}

/** What a member writes of itself at each heartbeat. */
export type MemberHeartbeat = Omit<ClusterMemberRow, 'heartbeat_at' | 'expires_at' | 'name' | 'superseded_by' | 'draining_since'> & {
  name?: string;
  /** It has begun a clean stop: from this heartbeat on it counts in no one's fair share (never undone). */
  draining?: boolean;
};

/**
 * Records (or refreshes) a member's heartbeat; answers the database's time. A superseded member's
 * row is not refreshed (OPSBOOK_E_FENCED). The draining mark is set by the first heartbeat that
 * carries it and kept by every later one, so a round begun before the stop cannot clear it.
 */
export async function heartbeatMember(db: Db, m: MemberHeartbeat, ttlMs: number): Promise<number> {
  const r = await sql<{ now: number }>`insert into cluster_members (id, host, pid, url, started_at, heartbeat_at, expires_at, name, draining_since)
values (${m.id}, ${m.host}, ${m.pid}, ${m.url}, ${m.started_at}, ${NOW}, ${NOW} + ${ttlMs}, ${m.name ?? null}, ${m.draining ? NOW : null})
on conflict (id) do update set heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at, url = excluded.url,
  draining_since = coalesce(cluster_members.draining_since, excluded.draining_since)
where cluster_members.superseded_by is null
returning heartbeat_at as now`.execute(db);
  const row = r.rows[0];
  if (!row) throw new OpsbookError('OPSBOOK_E_FENCED', `member ${m.id} was superseded by a newer incarnation of the same name (${m.name ?? '?'})`, { details: { member: m.id } });
  return Number(row.now);
}

/**
 * A process starting under `name` supersedes the earlier incarnations of that name, in one
 * transaction: their memberships end at once (so their outbox rows fall due), and the leases they
 * held pass to `member` under new epochs (so whatever they still write is refused by fencing). A
 * lease row share-locked by a writer of the old incarnation is waited for at most `lockTimeoutMs`;
 * past that nothing is taken over and the leases run out as usual. Answers the leases taken.
 */
export async function supersedeIncarnations(db: Kysely<Database>, m: MemberHeartbeat & { name: string }, ttlMs: number, lockTimeoutMs: number): Promise<{ superseded: string[]; leases: Array<LeaseToken & { expiresAt: number }> }> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`.execute(trx);
    await heartbeatMember(trx, m, ttlMs);
    const old = await sql<{ id: string }>`update cluster_members set superseded_by = ${m.id}, expires_at = ${NOW}
where name = ${m.name} and id <> ${m.id} and superseded_by is null returning id`.execute(trx);
    const superseded = old.rows.map((r) => r.id);
    if (superseded.length === 0) return { superseded, leases: [] };
    // Rows locked in name order, as fencing and renewals lock them.
    const r = await sql<{ name: string; epoch: number; expires_at: number }>`update cluster_leases
set holder = ${m.id}, epoch = epoch + 1, acquired_at = ${NOW}, expires_at = ${NOW} + ${ttlMs}
where name in (select name from cluster_leases where holder in (${sql.join(superseded)}) order by name for update)
returning name, epoch, expires_at`.execute(trx);
    return { superseded, leases: r.rows.map((x) => ({ lease: x.name, epoch: Number(x.epoch), expiresAt: Number(x.expires_at) })) };
  });
}

/** Members whose heartbeat has not run out, oldest first. */
export async function liveMembers(db: Db): Promise<ClusterMemberRow[]> {
  return db.selectFrom('cluster_members').selectAll().where('expires_at', '>', NOW).orderBy('started_at').orderBy('id').execute();
}

/**
 * The members the partitions are shared among: live, and not stopping. A member draining at a clean
 * stop still heartbeats but takes no share, so the others take what it gives back at once.
 */
export async function sharingMembers(db: Db): Promise<ClusterMemberRow[]> {
  return db.selectFrom('cluster_members').selectAll().where('expires_at', '>', NOW).where('draining_since', 'is', null).orderBy('started_at').orderBy('id').execute();
}

export async function listMembers(db: Db): Promise<ClusterMemberRow[]> {
  return db.selectFrom('cluster_members').selectAll().orderBy('started_at').orderBy('id').execute();
}

/** A member leaving cleanly: its row goes and its leases are free at once (no wait for expiry). */
export async function leaveCluster(db: Db, member: string): Promise<void> {
  await db.updateTable('cluster_leases').set({ holder: null, expires_at: 0 }).where('holder', '=', member).execute();
  await db.deleteFrom('cluster_members').where('id', '=', member).execute();
}

/** Forgets members whose heartbeat ran out more than `graceMs` ago. */
export async function pruneMembers(db: Db, graceMs: number): Promise<void> {
  await db.deleteFrom('cluster_members').where('expires_at', '<', sql<number>`${NOW} - ${graceMs}`).execute();
}

/** Creates the named leases that do not exist yet (unheld, epoch 0). */
export async function ensureLeases(db: Db, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await db
    .insertInto('cluster_leases')
    .values(names.map((name) => ({ name, holder: null, epoch: 0, acquired_at: 0, expires_at: 0 })))
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

export async function listLeases(db: Db): Promise<Array<ClusterLeaseRow & { now: number }>> {
  return db.selectFrom('cluster_leases').selectAll().select(NOW.as('now')).orderBy('name').execute();
}

/**
 * Extends the leases `member` holds that have not run out. An expired lease is not renewed even
 * when nobody took it: it is granted again under a new epoch, so work begun before it ran out
 * cannot write.
 */
export async function renewLeases(db: Db, member: string, ttlMs: number): Promise<Array<LeaseToken & { expiresAt: number }>> {
  // Rows locked in name order, as fencing locks them: the two never deadlock.
  const r = await sql<{ name: string; epoch: number; expires_at: number }>`update cluster_leases set expires_at = ${NOW} + ${ttlMs}
where name in (select name from cluster_leases where holder = ${member} and expires_at > ${NOW} order by name for update)
returning name, epoch, expires_at`.execute(db);
  return r.rows.map((x) => ({ lease: x.name, epoch: Number(x.epoch), expiresAt: Number(x.expires_at) }));
}

/**
 * Takes a lease that is free or has run out, raising its epoch; undefined when another member
 * holds it. Waits at most `lockTimeoutMs` for a writer fencing under the old epoch to commit.
 */
export async function acquireLease(db: Kysely<Database>, name: string, member: string, ttlMs: number, lockTimeoutMs = 2000): Promise<(LeaseToken & { expiresAt: number }) | undefined> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`.execute(trx);
    const r = await sql<{ epoch: number; expires_at: number }>`update cluster_leases
set holder = ${member}, epoch = epoch + 1, acquired_at = ${NOW}, expires_at = ${NOW} + ${ttlMs}
where name = ${name} and (holder is null or expires_at <= ${NOW}) returning epoch, expires_at`.execute(trx);
    const row = r.rows[0];
    return row ? { lease: name, epoch: Number(row.epoch), expiresAt: Number(row.expires_at) } : undefined;
  });
}

/** Gives a lease back (a member joined and takes its share); only under the epoch it was held. */
export async function releaseLease(db: Db, token: LeaseToken, member: string): Promise<void> {
  await db.updateTable('cluster_leases').set({ holder: null, expires_at: 0 }).where('name', '=', token.lease).where('holder', '=', member).where('epoch', '=', token.epoch).execute();
}

/**
 * Fencing, inside the writer's transaction: which of `tokens` `member` still holds, unexpired,
 * under the same epoch (as `lease@epoch`). The rows are locked FOR SHARE, so a takeover (an UPDATE
 * of the row) waits until this transaction ends: a write admitted here commits before the next
 * epoch begins. The held ones are named in `opsbook.fence` (see markWrittenUnder) by the same
 * statement: a fenced write costs one round trip to the server for its fencing, not two.
 */
export async function holdAndMark(trx: Transaction<Database>, member: string, tokens: readonly LeaseToken[]): Promise<Set<string>> {
  if (tokens.length === 0) return new Set();
  const names = [...new Set(tokens.map((t) => t.lease))].sort();
  const wanted = [...new Set(tokens.map((t) => `${t.lease}@${t.epoch}`))];
  const rows = await sql<{ name: string; epoch: number }>`with held as (
  select name, epoch from cluster_leases
  where name in (${sql.join(names)}) and holder = ${member} and expires_at > ${NOW} order by name for share
), marked as (
  select string_agg(${member}::text || '|' || name || '@' || epoch, ',') as v from held where name || '@' || epoch in (${sql.join(wanted)})
)
select held.name, held.epoch,
  (select set_config('opsbook.fence', concat_ws(',', nullif(current_setting('opsbook.fence', true), ''), v), true) from marked where v is not null) as fence
from held`.execute(trx);
  const held = new Set(rows.rows.map((r) => `${r.name}@${Number(r.epoch)}`));
  return new Set(wanted.filter((t) => held.has(t)));
}

/**
 * Names, for the rest of the transaction, the member and the leases (`lease@epoch`) its writes are
 * made under, in the setting `opsbook.fence` (`member|lease@epoch,member|lease@epoch…`), so the database itself can
 * tell which epoch each write was made under (the chaos harness checks it at commit time against the
 * lease table: docs/cluster.md).
 */
export async function markWrittenUnder(trx: Transaction<Database>, member: string, tokens: ReadonlySet<string>): Promise<void> {
  if (tokens.size === 0) return;
  await sql`select set_config('opsbook.fence', concat_ws(',', nullif(current_setting('opsbook.fence', true), ''), ${[...tokens].map((t) => `${member}|${t}`).join(',')}::text), true)`.execute(trx);
}

export async function recordFencing(db: Db, rows: readonly ClusterFencingRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('cluster_fencing').values([...rows]).execute();
}

/** Fencing outcomes so far, by outcome. */
export async function fencingCounts(db: Db): Promise<{ rejected: number; accepted_stale: number }> {
  const rows = await db.selectFrom('cluster_fencing').select(['outcome', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('outcome').execute();
  const out = { rejected: 0, accepted_stale: 0 };
  for (const r of rows) out[r.outcome] = Number(r.n);
  return out;
}
