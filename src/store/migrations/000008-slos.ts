import { SqliteAdapter, type Kysely } from 'kysely';

// Never edited once released. SLOs: firing burn-rate alerts, per-minute value sums for error ratios.

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('slo_alerts')
    .addColumn('series_key', 'text', (c) => c.primaryKey())
    .addColumn('slo_id', 'text', (c) => c.notNull())
    .addColumn('urgency', 'text', (c) => c.notNull())
    .addColumn('firing_since', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('slo_value_minutes')
    .addColumn('check_key', 'integer', (c) => c.notNull())
    .addColumn('start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('value_sum', sqlite ? 'real' : 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('slo_value_minutes_pk', ['check_key', 'start'])
    .execute();
  await db.schema
    .createTable('slo_marks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('rolled_to', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('slo_marks').execute();
  await db.schema.dropTable('slo_value_minutes').execute();
  await db.schema.dropTable('slo_alerts').execute();
}
