/**
 * pg-boss 10 as bench/job-engines.ts and bench/job-engines-facts.ts use it: loaded from
 * bench/engines (not an opsbook dependency), typed by the calls they make, and handed a
 * transaction of opsbook's store through the `db` option its send/insert/fetch/complete/fail/cancel
 * take (node_modules/pg-boss/src/manager.js: `const db = options.db || this.db`).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CompiledQuery, type QueryResult } from 'kysely';

const here = path.dirname(fileURLToPath(import.meta.url));
export const requireEngine = createRequire(path.join(here, 'engines', 'package.json'));

export interface PgBossJob {
  id: string;
  data: { id: number };
}

/** What pg-boss 10 accepts as `options.db`: one method running a statement with `$n` parameters. */
export interface PgBossDb {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

export interface PgBossLike {
  on(e: string, f: (e: unknown) => void): void;
  start(): Promise<unknown>;
  stop(o: object): Promise<void>;
  createQueue(name: string, o?: object): Promise<void>;
  send(name: string, data: object, o?: object): Promise<string | null>;
  fetch(name: string, o?: object): Promise<PgBossJob[]>;
  complete(name: string, id: string | string[], data?: object | null, o?: { db?: PgBossDb }): Promise<{ affected: number }>;
  work(name: string, o: object, f: (jobs: PgBossJob[]) => Promise<void>): Promise<string>;
}

export async function loadPgBoss(): Promise<new (o: object) => PgBossLike> {
  const mod = (await import(requireEngine.resolve('pg-boss'))) as { default: new (o: object) => PgBossLike };
  return mod.default;
}

/** pg-boss's `db` option over a Kysely connection or transaction of opsbook's store. */
export function bossDb(db: { executeQuery<R>(q: CompiledQuery<R>): Promise<QueryResult<R>> }): PgBossDb {
  return {
    executeSql: async (text, values = []) => {
      const r = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, values));
      return { rows: [...r.rows] };
    },
  };
}
