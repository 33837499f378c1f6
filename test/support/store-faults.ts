/**
 * Store faults for tests: a real SQL error in the writer's own transaction, raised by a trigger on
 * one table (SQLite or PostgreSQL), until the returned `heal` drops it. What opsbook meets when a
 * database refuses a write (a constraint, a lost connection, a full disk) without mocking its store.
 */
import { sql, type Kysely } from 'kysely';

export interface RefuseWrites {
  /** The statement refused (default `insert`). */
  on?: 'insert' | 'update' | 'delete';
  /** Only rows matching this condition on `new` (an expression both dialects read alike). */
  when?: string;
  /** The error's message (default `injected: TABLE refused`). */
  message?: string;
  /** The trigger's name, when one test refuses the same table twice (default `refuse_TABLE_ON`). */
  name?: string;
}

/** Makes writes to `table` fail until the returned `heal` runs. */
export async function refuseWrites<DB>(db: Kysely<DB>, dialect: 'sqlite' | 'postgres', table: string, options: RefuseWrites = {}): Promise<() => Promise<void>> {
  const on = options.on ?? 'insert';
  const name = options.name ?? `refuse_${table}_${on}`;
  const message = (options.message ?? `injected: ${table} refused`).replace(/'/g, "''");
  if (dialect === 'sqlite') {
    await sql.raw(`create trigger ${name} before ${on} on ${table}${options.when ? ` when ${options.when}` : ''} begin select raise(abort, '${message}'); end`).execute(db);
    return async () => void (await sql.raw(`drop trigger ${name}`).execute(db));
  }
  const row = on === 'delete' ? 'old' : 'new';
  const body = options.when ? `if ${options.when} then raise exception '${message}'; end if; return ${row};` : `raise exception '${message}';`;
  await sql.raw(`create function ${name}() returns trigger language plpgsql as $$ begin ${body} end $$`).execute(db);
  await sql.raw(`create trigger ${name} before ${on} on ${table} for each row execute function ${name}()`).execute(db);
  return async () => {
    await sql.raw(`drop trigger ${name} on ${table}`).execute(db);
    await sql.raw(`drop function ${name}()`).execute(db);
  };
}
