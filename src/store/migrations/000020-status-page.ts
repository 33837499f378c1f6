import type { Kysely } from 'kysely';

// The public status page: incidents a person published (with the public title and the updates
// people wrote) and email subscribers with double opt-in.
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('status_incidents')
    .addColumn('incident_id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('service_id', 'text')
    .addColumn('published_at', 'bigint', (c) => c.notNull())
    .addColumn('published_by', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('status_incidents_published').on('status_incidents').column('published_at').execute();
  await db.schema
    .createTable('status_updates')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('author', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('status_updates_incident').on('status_updates').columns(['incident_id', 'at']).execute();
  await db.schema
    .createTable('status_subscribers')
    .addColumn('token', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('confirmed_at', 'bigint')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('status_subscribers').execute();
  await db.schema.dropTable('status_updates').execute();
  await db.schema.dropTable('status_incidents').execute();
}
