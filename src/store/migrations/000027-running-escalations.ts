import { sql, type Kysely } from 'kysely';

// The escalations still paging (active, or exhausted with reminders left), read once a minute by
// every daemon to stop those whose incident was answered while the stop could not be written
// (`listAnsweredRunningEscalations`): a partial index holds only them, however long the history.
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('escalations_running').on('escalations').column('incident_id').where(sql.ref('status'), 'in', sql`('active', 'exhausted')`).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('escalations_running').execute();
}
