import { sql, type Kysely } from 'kysely';

// An incident's timeline lines are numbered 1, 2, … (`seq`). Two processes on one PostgreSQL
// appending at the same moment each read the same last number, and the plain index let both rows in
// with one number. The index becomes unique, so the second append meets the first (it waits for its
// commit) and numbers itself after it (see appendTimelineInsert). Numbers already given twice are
// renumbered first, in the order they were read (seq, then id, which sorts by time). Never edited
// once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update incident_timeline set seq = renumbered.n
from (select id, row_number() over (partition by incident_id order by seq, id) as n from incident_timeline) as renumbered
where incident_timeline.id = renumbered.id and incident_timeline.seq <> renumbered.n`.execute(db);
  await db.schema.dropIndex('incident_timeline_incident').execute();
  await db.schema.createIndex('incident_timeline_incident').unique().on('incident_timeline').columns(['incident_id', 'seq']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('incident_timeline_incident').execute();
  await db.schema.createIndex('incident_timeline_incident').on('incident_timeline').columns(['incident_id', 'seq']).execute();
}
