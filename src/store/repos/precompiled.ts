import { CompiledQuery, sql, type Compilable, type Kysely, type QueryResult } from 'kysely';
import type { Database } from '../database.js';

type Db = Kysely<Database>;

/** Where each parameter of the compiled SQL comes from: a field of the call's values, or a constant of the query. */
type Slot = { field: string } | { value: unknown };

/**
 * `limit 1` written into the SQL rather than bound: SQLite plans an ORDER BY … LIMIT whose limit is a
 * parameter without knowing it is 1 (a join ordered by two columns with a bound limit took about 30
 * µs per lookup against 7 µs with the literal, measured on the dedup lookup of a new alert).
 */
export const LIMIT_ONE = sql<number>`1`;

const MARK = '\u0000opsbook-field:';

/**
 * A query of the hot path built and compiled by Kysely once per dialect, then run with new values
 * without building or compiling it again: Kysely rebuilds and recompiles the tree of every query,
 * and on the new-incident path that cost about as much as running the statements.
 *
 * `build` receives, for each name in `fields`, a marker in place of the value, and must use each as
 * a plain value (not in a computed expression, not to decide the query's shape). The compiled
 * parameters that carry a marker are filled from the call's values; the others are the query's
 * constants. An insert given the markers object as its row has exactly the columns `fields` names.
 */
export function precompiled<F extends string, R = unknown>(
  fields: readonly F[],
  build: (db: Db, values: Record<F, never>) => Compilable<R>,
): (db: Db, values: Readonly<Record<F, unknown>>) => Promise<QueryResult<R>> {
  const shapes = new Map<unknown, { sql: string; slots: Slot[] }>();
  return (db, values) => {
    // The adapter names the dialect; a transaction shares its database's adapter class.
    const dialect = db.getExecutor().adapter.constructor;
    let shape = shapes.get(dialect);
    if (!shape) {
      const marks = Object.fromEntries(fields.map((f) => [f, `${MARK}${f}`])) as Record<F, never>;
      const compiled = build(db, marks).compile();
      const slots = compiled.parameters.map((p): Slot => (typeof p === 'string' && p.startsWith(MARK) ? { field: p.slice(MARK.length) } : { value: p }));
      shape = { sql: compiled.sql, slots };
      shapes.set(dialect, shape);
    }
    const v = values as Record<string, unknown>;
    const parameters = shape.slots.map((s) => ('field' in s ? v[s.field] : s.value));
    const sqlite = db.isTransaction ? direct.get(db.getExecutor().adapter) : undefined;
    if (sqlite) return sqlite.run<R>(shape.sql, parameters);
    return db.executeQuery<R>(CompiledQuery.raw(shape.sql, parameters));
  };
}

/** What `runPrecompiledDirectly` needs of a SQLite connection: one statement run at once on it (SqliteConnection). */
export interface DirectSqlite {
  run<R>(sql: string, parameters: readonly unknown[]): Promise<QueryResult<R>>;
}

/** SQLite connections by their database's adapter, which its transactions share. */
const direct = new WeakMap<object, DirectSqlite>();

/**
 * Inside a transaction of `db` (a SQLite store: one connection, synchronous statements), precompiled
 * queries run on its connection at once instead of through Kysely's executor, whose chain of
 * promises per statement cost about as much as running opsbook's small statements. Only inside a
 * transaction: the transaction holds the connection, so the statement is part of it exactly as
 * through Kysely; a query outside one must still wait for any transaction in progress.
 */
export function runPrecompiledDirectly(db: Db, sqlite: DirectSqlite): void {
  direct.set(db.getExecutor().adapter, sqlite);
}
