import { SqliteAdapter, sql, type Kysely } from 'kysely';

// Never edited once released. Scraped samples: one row per series, and per series one packed chunk per
// chunk window (see src/samples/chunk.ts), rewritten while its window is open.

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const withoutRowid = sqlite ? sql`without rowid` : sql``;

  await db.schema
    .createTable('sample_series')
    .addColumn('id', sqlite ? 'integer' : 'serial', (c) => c.primaryKey())
    .addColumn('labels', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sample_chunks')
    .addColumn('series_id', 'integer', (c) => c.notNull())
    .addColumn('start', 'bigint', (c) => c.notNull())
    .addColumn('min_t', 'bigint', (c) => c.notNull())
    .addColumn('max_t', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('data', sqlite ? 'blob' : 'bytea', (c) => c.notNull())
    .addPrimaryKeyConstraint('sample_chunks_pk', ['series_id', 'start'])
    .modifyEnd(withoutRowid)
    .execute();
  await db.schema.createIndex('sample_chunks_max_t').on('sample_chunks').column('max_t').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('sample_chunks').execute();
  await db.schema.dropTable('sample_series').execute();
}
