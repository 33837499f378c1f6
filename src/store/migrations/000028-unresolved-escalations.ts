import { sql, type Kysely } from 'kysely';

// A resolution now resolves its incident's escalation whatever its status, and an acknowledgement
// turns an exhausted one acknowledged: the status says the answer reached the escalation, and the
// once-a-minute look for missed pages (`listAnsweredRunningEscalations`) finds the answers that did
// not (a resolution's "resolved" update to the channels already paged unwritten with its stop).
// The escalations answered before keep their old status: they are brought to the new one here, so
// the look never takes an incident resolved long ago for one whose resolution went missing. The
// partial index holds the escalations still to be answered (those of open incidents), however long
// the history. Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  // The state's status is its top-level "status" key, the only one it has (saved by JSON.stringify).
  await sql`update escalations set status = 'resolved', state = replace(replace(state, '"status":"acknowledged"', '"status":"resolved"'), '"status":"exhausted"', '"status":"resolved"')
    where status in ('acknowledged', 'exhausted') and incident_id in (select id from incidents where state in ('resolved', 'reviewed'))`.execute(db);
  await sql`update escalations set status = 'acknowledged', state = replace(state, '"status":"exhausted"', '"status":"acknowledged"')
    where status = 'exhausted' and incident_id in (select id from incidents where state in ('acknowledged', 'investigating', 'mitigated'))`.execute(db);
  await db.schema.dropIndex('escalations_running').execute();
  await db.schema.createIndex('escalations_unresolved').on('escalations').column('incident_id').where(sql.ref('status'), 'in', sql`('active', 'exhausted', 'acknowledged')`).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('escalations_unresolved').execute();
  await db.schema.createIndex('escalations_running').on('escalations').column('incident_id').where(sql.ref('status'), 'in', sql`('active', 'exhausted')`).execute();
}
