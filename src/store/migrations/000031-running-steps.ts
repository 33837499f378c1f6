import { sql, type Kysely } from 'kysely';

// A runbook step runs once across opsbook processes: `running_steps` holds one row per step being
// run (execution, step), taken before the step starts and given back when it ends, so a second
// press in any process sharing the store is refused. `execution_runners` is the heartbeat of a
// process running steps on PostgreSQL outside a cluster (a cluster member's is its membership), so
// others can tell that it died. `execution_entries_running` finds the entries left `running`
// without reading every transcript. Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('running_steps')
    .addColumn('execution_id', 'text', (c) => c.notNull())
    .addColumn('step', 'integer', (c) => c.notNull())
    .addColumn('runner', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('running_steps_pk', ['execution_id', 'step'])
    .execute();
  await db.schema.createIndex('running_steps_runner').on('running_steps').column('runner').execute();

  await db.schema
    .createTable('execution_runners')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('pid', 'integer', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();

  await sql`create index execution_entries_running on execution_entries (execution_id, seq) where status = 'running'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('execution_entries_running').execute();
  await db.schema.dropTable('execution_runners').execute();
  await db.schema.dropTable('running_steps').execute();
}
