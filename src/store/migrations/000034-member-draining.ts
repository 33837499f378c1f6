import type { Kysely } from 'kysely';

// Several opsbook processes on one PostgreSQL: a member stopping cleanly says so. While it drains its
// pipeline it still heartbeats (its outbox rows stay its own) but no longer counts in the others' fair
// share, so they take the partitions it gives back at their next round instead of once it has left.
// On SQLite the column exists and stays empty: one process. Never edited once released: add a new
// numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('cluster_members')
    /** When (database time, epoch ms) the member began a clean stop; null while it runs. */
    .addColumn('draining_since', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cluster_members').dropColumn('draining_since').execute();
}
