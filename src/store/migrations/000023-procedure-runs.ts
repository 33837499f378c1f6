import type { Kysely } from 'kysely';

/**
 * The last due time of each scheduled procedure that was run: claimed before the run starts, so
 * processes sharing one store run each due time once, and a process that takes the singletons lease
 * over runs what fell due while the lease was moving.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('procedure_runs')
    .addColumn('procedure', 'text', (c) => c.primaryKey())
    .addColumn('due_at', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('procedure_runs').execute();
}
