import { SqliteAdapter, sql, type Kysely } from 'kysely';

// Never edited once released. Check history: compact raw results, rollups, heartbeats.

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  // The (check_key, at) key is the row on SQLite: no hidden rowid, no second b-tree.
  const withoutRowid = sqlite ? sql`without rowid` : sql``;
  const small = sqlite ? 'integer' : 'smallint';

  await db.schema
    .createTable('check_keys')
    .addColumn('key', sqlite ? 'integer' : 'serial', (c) => c.primaryKey())
    .addColumn('check_id', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('check_errors')
    .addColumn('id', sqlite ? 'integer' : 'serial', (c) => c.primaryKey())
    .addColumn('text', 'text', (c) => c.notNull().unique())
    .execute();

  await db.schema
    .createTable('check_results')
    .addColumn('check_key', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('state', small, (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('value', sqlite ? 'real' : 'double precision')
    .addColumn('error_id', 'integer')
    .addPrimaryKeyConstraint('check_results_pk', ['check_key', 'at'])
    .modifyEnd(withoutRowid)
    .execute();

  let rollups = db.schema
    .createTable('check_rollups')
    .addColumn('check_key', 'integer', (c) => c.notNull())
    .addColumn('resolution', small, (c) => c.notNull())
    .addColumn('start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('warnings', 'integer', (c) => c.notNull())
    .addColumn('criticals', 'integer', (c) => c.notNull())
    .addColumn('latency_sum', 'bigint', (c) => c.notNull());
  for (let i = 0; i < 12; i++) rollups = rollups.addColumn(`l${i}`, 'integer', (c) => c.notNull());
  await rollups
    .addColumn('value_min', sqlite ? 'real' : 'double precision')
    .addColumn('value_max', sqlite ? 'real' : 'double precision')
    .addPrimaryKeyConstraint('check_rollups_pk', ['check_key', 'resolution', 'start'])
    .modifyEnd(withoutRowid)
    .execute();

  await db.schema
    .createTable('check_rollup_marks')
    .addColumn('resolution', 'integer', (c) => c.primaryKey())
    .addColumn('rolled_to', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('check_heartbeats')
    .addColumn('check_id', 'text', (c) => c.primaryKey())
    .addColumn('token', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_beat_at', 'bigint')
    .addColumn('last_failed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['check_heartbeats', 'check_rollup_marks', 'check_rollups', 'check_results', 'check_errors', 'check_keys']) {
    await db.schema.dropTable(t).execute();
  }
}
