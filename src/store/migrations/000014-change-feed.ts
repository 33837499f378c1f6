import { SqliteAdapter, sql, type Kysely } from 'kysely';

// The store-level change feed, incident roles and versioned reviews.
//
// Triggers, not application code, record changes: a write from any process (the daemon, a CLI in
// local mode, a second opsbook) reaches every open page. PostgreSQL sends them with NOTIFY (delivered
// at commit); SQLite appends them to store_changes, which a reader polls by sequence number.
// Never edited once released: add a new numbered file instead.

/** table → [topic, column naming the changed thing]; a null column value records nothing. */
const WATCHED: Array<{ table: string; topic: string; column: string; events: Array<'insert' | 'update'> }> = [
  { table: 'incidents', topic: 'incident', column: 'id', events: ['insert', 'update'] },
  { table: 'incident_timeline', topic: 'incident', column: 'incident_id', events: ['insert'] },
  { table: 'incident_roles', topic: 'incident', column: 'incident_id', events: ['insert', 'update'] },
  { table: 'incident_reviews', topic: 'incident', column: 'incident_id', events: ['insert', 'update'] },
  { table: 'executions', topic: 'execution', column: 'id', events: ['insert', 'update'] },
  { table: 'executions', topic: 'incident', column: 'incident_id', events: ['insert', 'update'] },
  { table: 'execution_entries', topic: 'execution', column: 'execution_id', events: ['insert', 'update'] },
];

export async function up(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;

  await db.schema
    .createTable('incident_roles')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
    /** commander | communications | responder. */
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('person', 'text', (c) => c.notNull())
    .addColumn('assigned_at', 'bigint', (c) => c.notNull())
    .addColumn('assigned_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('incident_roles_pk', ['incident_id', 'role', 'person'])
    .execute();

  await db.schema
    .createTable('incident_reviews')
    .addColumn('incident_id', 'text', (c) => c.notNull().references('incidents.id'))
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('saved_at', 'bigint', (c) => c.notNull())
    .addColumn('saved_by', 'text', (c) => c.notNull())
    .addColumn('published_at', 'bigint')
    .addColumn('published_by', 'text')
    .addPrimaryKeyConstraint('incident_reviews_pk', ['incident_id', 'version'])
    .execute();

  if (sqlite) {
    await sql`create table store_changes (seq integer primary key autoincrement, topic text not null, key text not null)`.execute(db);
    for (const w of WATCHED) {
      for (const event of w.events) {
        const name = sql.raw(`store_change_${w.table}_${w.topic}_${event}`);
        const ref = sql.raw(`NEW.${w.column}`);
        await sql`create trigger ${name} after ${sql.raw(event)} on ${sql.table(w.table)} for each row when ${ref} is not null
begin insert into store_changes (topic, key) values (${sql.lit(w.topic)}, ${ref}); end`.execute(db);
      }
    }
    return;
  }
  await sql`create function opsbook_store_change() returns trigger language plpgsql as $$
declare k text := to_jsonb(NEW) ->> TG_ARGV[1];
begin
  if k is not null then perform pg_notify('opsbook_changes', TG_ARGV[0] || ':' || k); end if;
  return null;
end $$`.execute(db);
  for (const w of WATCHED) {
    const name = sql.raw(`store_change_${w.table}_${w.topic}`);
    await sql`create trigger ${name} after ${sql.raw(w.events.join(' or '))} on ${sql.table(w.table)} for each row execute function opsbook_store_change(${sql.lit(w.topic)}, ${sql.lit(w.column)})`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  if (sqlite) {
    for (const w of WATCHED) for (const event of w.events) await sql`drop trigger if exists ${sql.raw(`store_change_${w.table}_${w.topic}_${event}`)}`.execute(db);
    await db.schema.dropTable('store_changes').execute();
  } else {
    for (const w of WATCHED) await sql`drop trigger if exists ${sql.raw(`store_change_${w.table}_${w.topic}`)} on ${sql.table(w.table)}`.execute(db);
    await sql`drop function if exists opsbook_store_change()`.execute(db);
  }
  await db.schema.dropTable('incident_reviews').execute();
  await db.schema.dropTable('incident_roles').execute();
}
