import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { ApiTokensTable } from '../tables/core.js';

export type ApiTokenRow = ApiTokensTable;

export async function insertToken(db: Kysely<Database>, row: ApiTokenRow): Promise<void> {
  await db.insertInto('api_tokens').values(row).execute();
}

/** Looks a token up by its hash: one indexed read, so checking a token costs microseconds. */
export async function findTokenByHash(db: Kysely<Database>, hash: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

export async function findTokenById(db: Kysely<Database>, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listTokens(db: Kysely<Database>, filter: { user?: string } = {}): Promise<ApiTokenRow[]> {
  let q = db.selectFrom('api_tokens').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc');
  if (filter.user) q = q.where('user_name', '=', filter.user);
  return q.execute();
}

/** Marks a token revoked; returns false when no live token has that id. */
export async function revokeToken(db: Kysely<Database>, id: string, at: number, by: string): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: at, revoked_by: by })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function touchToken(db: Kysely<Database>, id: string, at: number): Promise<void> {
  await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
}
