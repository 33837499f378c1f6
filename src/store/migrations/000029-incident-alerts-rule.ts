import type { Kysely } from 'kysely';

// The incidents of a check's rules (`listIncidentsOfRules`, the UI's check timeline) are found by
// their alerts' rule: without an index every incident's alert was read for each look. The index
// carries the incident id, so the lookup reads it alone. Never edited once released: add a new
// numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('incident_alerts_rule').on('incident_alerts').columns(['rule_id', 'incident_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('incident_alerts_rule').execute();
}
