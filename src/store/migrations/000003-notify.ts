import type { Kysely } from 'kysely';

// The notification outbox, its delivery log and the action-link key. Never edited once released.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('outbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text')
    .addColumn('dedup_key', 'text')
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('due_at', 'bigint')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('retry_from', 'bigint', (c) => c.notNull())
    .addColumn('retry_from_attempt', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('delivered_at', 'bigint')
    .addColumn('dead_at', 'bigint')
    .addColumn('last_status', 'integer')
    .addColumn('last_error', 'text')
    .execute();
  // Workers claim by due_at; delivered and dead rows have none and stay out of the index scan.
  await db.schema.createIndex('outbox_due').on('outbox').column('due_at').execute();
  await db.schema.createIndex('outbox_status').on('outbox').columns(['status', 'created_at']).execute();
  await db.schema.createIndex('outbox_incident').on('outbox').columns(['incident_id', 'created_at']).execute();
  await db.schema.createIndex('outbox_dedup').on('outbox').columns(['channel_id', 'dedup_key']).unique().execute();

  await db.schema
    .createTable('deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('outbox_id', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text', (c) => c.notNull())
    .addColumn('incident_id', 'text')
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('detail', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('deliveries_outbox').on('deliveries').columns(['outbox_id', 'attempt']).execute();
  await db.schema.createIndex('deliveries_incident').on('deliveries').columns(['incident_id', 'at']).execute();

  await db.schema
    .createTable('notify_keys')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('notify_keys').execute();
  await db.schema.dropTable('deliveries').execute();
  await db.schema.dropTable('outbox').execute();
}
