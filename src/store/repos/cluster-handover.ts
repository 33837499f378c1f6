import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { ClusterHandoverTable } from '../tables/cluster.js';

// PostgreSQL only: check results a stopping process could not evaluate within its drain bound wait
// here, per partition, for the next holder (docs/cluster.md, "A clean stop").

type Db = Kysely<Database> | Transaction<Database>;

export type ClusterHandoverRow = ClusterHandoverTable;

/** Hands results over (in the transaction fencing admitted them under their leases). */
export async function handOverResults(trx: Transaction<Database>, rows: readonly ClusterHandoverRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await trx.insertInto('cluster_handover').values(rows.slice(i, i + 500)).execute();
}

/** The results handed over in the partitions `leases`, oldest run first. */
export async function handedOver(db: Db, leases: readonly string[]): Promise<ClusterHandoverRow[]> {
  if (leases.length === 0) return [];
  const rows = await db.selectFrom('cluster_handover').selectAll().where('lease', 'in', [...leases]).orderBy('at').orderBy('id').execute();
  return rows.map((r) => ({ ...r, epoch: Number(r.epoch), at: Number(r.at) }));
}

/** Forgets handed-over results once evaluated. */
export async function forgetHandedOver(db: Db, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) await db.deleteFrom('cluster_handover').where('id', 'in', ids.slice(i, i + 500)).execute();
}

/**
 * Drops the results handed over in partitions that are not among `leases` (the partition count was
 * lowered) and that no process holds unexpired (one still running with the old count would take
 * them): nobody will ever evaluate them. Answers how many per lease.
 */
export async function pruneOrphanedHandover(trx: Transaction<Database>, leases: readonly string[]): Promise<Record<string, number>> {
  const rows = await sql<{ lease: string; n: number }>`
    with gone as (
      delete from cluster_handover h
      where h.lease not in (${sql.join([...leases])})
        and not exists (
          select 1 from cluster_leases l
          where l.name = h.lease and l.holder is not null and l.expires_at > (extract(epoch from clock_timestamp()) * 1000)::bigint
        )
      returning h.lease
    )
    select lease, count(*)::int as n from gone group by lease order by lease`.execute(trx);
  return Object.fromEntries(rows.rows.map((r) => [r.lease, Number(r.n)]));
}
