import type { Kysely } from 'kysely';
import type { Database } from '../database.js';

// Heartbeat (dead-man) checks: the secret URL token of each and the last beat it received.

type Db = Kysely<Database>;

/** The heartbeat row of a check, created with a fresh secret token on first use. */
export async function ensureHeartbeat(db: Db, checkId: string, at: number, newToken: () => string): Promise<{ token: string; created_at: number }> {
  await db
    .insertInto('check_heartbeats')
    .values({ check_id: checkId, token: newToken(), created_at: at, last_beat_at: null, last_failed: 0 })
    .onConflict((oc) => oc.column('check_id').doNothing())
    .execute();
  const row = await db.selectFrom('check_heartbeats').select(['token', 'created_at']).where('check_id', '=', checkId).executeTakeFirstOrThrow();
  return { token: row.token, created_at: Number(row.created_at) };
}

/** Records a beat by URL token; returns the check id, or undefined for an unknown token. */
export async function beatHeartbeat(db: Db, token: string, at: number, failed: boolean): Promise<string | undefined> {
  const row = await db.selectFrom('check_heartbeats').select('check_id').where('token', '=', token).executeTakeFirst();
  if (!row) return undefined;
  await db.updateTable('check_heartbeats').set({ last_beat_at: at, last_failed: failed ? 1 : 0 }).where('token', '=', token).execute();
  return row.check_id;
}

export async function readHeartbeat(db: Db, checkId: string): Promise<{ at?: number; failed: boolean; since: number } | undefined> {
  const row = await db.selectFrom('check_heartbeats').selectAll().where('check_id', '=', checkId).executeTakeFirst();
  if (!row) return undefined;
  return { ...(row.last_beat_at !== null ? { at: Number(row.last_beat_at) } : {}), failed: Number(row.last_failed) === 1, since: Number(row.created_at) };
}
