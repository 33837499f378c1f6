import type { Kysely } from 'kysely';

// Several opsbook processes on one PostgreSQL: who is alive, who holds which lease (with its
// fencing epoch), and what fencing refused. On SQLite the tables exist and stay empty: one process.
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('cluster_members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    /** Where the process serves HTTP (its public_url), for `opsbook cluster status`. */
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    /** Database time (epoch ms) of the last heartbeat, and when the membership runs out without another. */
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('cluster_leases')
    /** `checks/07` (a partition of the checks and the escalations), `singletons`. */
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text')
    /** Raised by one at every grant: a write carries the epoch it was made under. */
    .addColumn('epoch', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('acquired_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('expires_at', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();

  await db.schema
    .createTable('cluster_fencing')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('member', 'text', (c) => c.notNull())
    .addColumn('lease', 'text', (c) => c.notNull())
    .addColumn('epoch', 'bigint', (c) => c.notNull())
    /** `rejected`: fencing refused the write; `accepted_stale`: fencing was off and the stale write went in. */
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('what', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('cluster_fencing').execute();
  await db.schema.dropTable('cluster_leases').execute();
  await db.schema.dropTable('cluster_members').execute();
}
