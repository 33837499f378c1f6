import type { Kysely, Transaction } from 'kysely';
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
