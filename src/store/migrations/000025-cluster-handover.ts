import type { Kysely } from 'kysely';

// Several opsbook processes on one PostgreSQL, what passes from one process to the next: the check
// results a stopping process could not evaluate within its drain bound (handed over, per partition,
// to the next holder), and a member's name, so that a restarted process supersedes its previous
// incarnation at once. On SQLite the table exists and stays empty: one process.
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cluster_handover')
    .addColumn('id', 'text', (c) => c.primaryKey())
    /** The partition's lease (`checks/07`): its next holder evaluates the result. */
    .addColumn('lease', 'text', (c) => c.notNull())
    /** The epoch the result was produced (and handed over) under. */
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    .addColumn('check_id', 'text', (c) => c.notNull())
    /** The result's instant (its run), for the order they are evaluated in. */
    .addColumn('at', 'bigint', (c) => c.notNull())
    /** The CheckResult and the probe state it was settled to, as JSON. */
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('probe', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cluster_handover_lease').on('cluster_handover').columns(['lease', 'at']).execute();

  await db.schema
    .alterTable('cluster_members')
    /** `storage.cluster.member`: the same across a process's restarts, so a restart supersedes the previous incarnation. */
    .addColumn('name', 'text')
    .execute();
  await db.schema
    .alterTable('cluster_members')
    /** The member id of the incarnation that superseded this one (its leases were taken over under new epochs). */
    .addColumn('superseded_by', 'text')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cluster_members').dropColumn('superseded_by').execute();
  await db.schema.alterTable('cluster_members').dropColumn('name').execute();
  await db.schema.dropTable('cluster_handover').execute();
}
