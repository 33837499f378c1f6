import type { Kysely } from 'kysely';

// Incidents, their alerts and timelines, change events, runtime silences and alert rule state.
// Never edited once released: add a new numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('incidents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('service', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('opened_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('resolved_at', 'bigint')
    .addColumn('response_due_at', 'bigint')
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('runbook', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('reopened', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('held_notification', 'text')
    .execute();
  // Lists are newest first by id (ids sort by time); a filter by state or severity walks its own index.
  await db.schema.createIndex('incidents_state_id').on('incidents').columns(['state', 'id']).execute();
  await db.schema.createIndex('incidents_severity_id').on('incidents').columns(['severity', 'id']).execute();
  // Grouping looks for a recent open incident of one service.
  await db.schema.createIndex('incidents_service_opened').on('incidents').columns(['service', 'opened_at']).execute();

  await db.schema
    .createTable('incident_alerts')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
    .addColumn('dedup_key', 'text', (c) => c.notNull())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('labels', 'text', (c) => c.notNull())
    .addColumn('annotations', 'text', (c) => c.notNull())
    .addColumn('runbook', 'text')
    .addColumn('value', 'double precision')
    .addColumn('first_fired_at', 'bigint', (c) => c.notNull())
    .addColumn('last_fired_at', 'bigint', (c) => c.notNull())
    .addColumn('resolved_at', 'bigint')
    .addPrimaryKeyConstraint('incident_alerts_pk', ['incident_id', 'dedup_key'])
    .execute();
  await db.schema.createIndex('incident_alerts_dedup').on('incident_alerts').columns(['dedup_key', 'last_fired_at']).execute();

  await db.schema
    .createTable('incident_timeline')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('incident_timeline_incident').on('incident_timeline').columns(['incident_id', 'seq']).execute();

  await db.schema
    .createTable('change_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('service', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_events_at').on('change_events').column('at').execute();

  await db.schema
    .createTable('silences')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('matchers', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'bigint', (c) => c.notNull())
    .addColumn('ends_at', 'bigint', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('comment', 'text', (c) => c.notNull())
    .addColumn('expired_at', 'bigint')
    .execute();
  await db.schema.createIndex('silences_ends').on('silences').column('ends_at').execute();

  await db.schema
    .createTable('alert_series')
    .addColumn('series_key', 'text', (c) => c.primaryKey())
    .addColumn('rule_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('alert_series_rule').on('alert_series').column('rule_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of ['alert_series', 'silences', 'change_events', 'incident_timeline', 'incident_alerts', 'incidents']) {
    await db.schema.dropTable(t).execute();
  }
}
