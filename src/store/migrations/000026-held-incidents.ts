import { sql, type Kysely } from 'kysely';

// Indexes for two lookups that read every incident ever stored. The incidents whose notification a
// window or silence holds back (`listHeldIncidents`), read at every release pass and, in a cluster,
// every third of a lease: a partial index holds only those, a handful, however long the history.
// The incidents opened in a span of time (`listIncidentsOpenedBetween`), read by every recorded
// change (a deploy) to attach it, and by the SLO report.
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('incidents_held').on('incidents').column('id').where(sql.ref('held_notification'), 'is not', null).execute();
  await db.schema.createIndex('incidents_opened_at').on('incidents').column('opened_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('incidents_opened_at').execute();
  await db.schema.dropIndex('incidents_held').execute();
}
