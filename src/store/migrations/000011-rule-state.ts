import { SqliteAdapter, type Kysely } from 'kysely';

// Never edited once released. Alerts of Prometheus rule files (rule_files:), one row per
// group × rule × label set, so a restart resumes `for:` and `keep_firing_for` waits.

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable('rule_alerts')
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('labels_key', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('value', sqlite ? 'real' : 'double precision')
    .addColumn('active_at', 'bigint', (c) => c.notNull())
    .addColumn('fired_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('keep_firing_since', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rule_alerts_pk', ['group_key', 'rule', 'labels_key'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('rule_alerts').execute();
}
