import { SqliteAdapter, sql, type Kysely } from 'kysely';

// PostgreSQL: `opsbook_json_or_null(text)` is the text read as JSON, or null when it does not parse
// (PostgreSQL 15 has no pg_input_is_valid). The once-a-minute look for escalations that follow
// another severity reads each escalation's stored state with it: a cast (`state::json`) failed the
// whole read while any one state was unreadable, so no incident's escalation was revised until that
// row was fixed. SQLite has json_valid and needs nothing. Never edited once released: add a new
// numbered file instead.

export async function up(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await sql`create or replace function opsbook_json_or_null(t text) returns json language plpgsql immutable strict parallel safe as $$
begin
  return t::json;
exception when invalid_text_representation then
  return null;
end
$$`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (db.getExecutor().adapter instanceof SqliteAdapter) return;
  await sql`drop function if exists opsbook_json_or_null(text)`.execute(db);
}
