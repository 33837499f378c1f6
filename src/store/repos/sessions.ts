import type { Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { UiSessionsTable, UserPasswordsTable } from '../tables/sessions.js';

type Db = Kysely<Database>;
export type UiSessionRow = UiSessionsTable;
export type UserPasswordRow = UserPasswordsTable;

export async function readPasswordHash(db: Db, user: string): Promise<UserPasswordRow | undefined> {
  return db.selectFrom('user_passwords').selectAll().where('user_name', '=', user).executeTakeFirst();
}

/** The password hash set last, of any user: what a sign-in without a password of its own is timed like. */
export async function readLatestPasswordHash(db: Db): Promise<string | undefined> {
  return (await db.selectFrom('user_passwords').select('hash').orderBy('updated_at', 'desc').limit(1).executeTakeFirst())?.hash;
}

/** Sets (or replaces) a user's password hash; inside the caller's transaction when given one. */
export async function writePasswordHash(db: Db, row: UserPasswordRow): Promise<void> {
  const write = async (tx: Db): Promise<void> => {
    await tx.deleteFrom('user_passwords').where('user_name', '=', row.user_name).execute();
    await tx.insertInto('user_passwords').values(row).execute();
  };
  await (db.isTransaction ? write(db) : db.transaction().execute(write));
}

export async function insertUiSession(db: Db, row: UiSessionRow): Promise<void> {
  await db.insertInto('ui_sessions').values(row).execute();
}

export async function findUiSession(db: Db, idHash: string): Promise<UiSessionRow | undefined> {
  const row = await db.selectFrom('ui_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!row) return undefined;
  // PostgreSQL returns bigint columns as strings.
  return { ...row, created_at: Number(row.created_at), last_seen_at: Number(row.last_seen_at), expires_at: Number(row.expires_at) };
}

export async function touchUiSession(db: Db, idHash: string, at: number): Promise<void> {
  await db.updateTable('ui_sessions').set({ last_seen_at: at }).where('id_hash', '=', idHash).execute();
}

export async function deleteUiSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('ui_sessions').where('id_hash', '=', idHash).execute();
}

/** Ends every session of a user (after a password change); returns how many ended. */
export async function deleteUiSessionsOf(db: Db, user: string): Promise<number> {
  const r = await db.deleteFrom('ui_sessions').where('user_name', '=', user).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function deleteUiSessionsBefore(db: Db, idleBefore: number, expiresBefore: number): Promise<void> {
  await db.deleteFrom('ui_sessions').where((eb) => eb.or([eb('last_seen_at', '<', idleBefore), eb('expires_at', '<', expiresBefore)])).execute();
}

export async function recordLoginFailure(db: Db, subjects: readonly string[], at: number): Promise<void> {
  if (subjects.length === 0) return;
  await db.insertInto('login_failures').values(subjects.map((subject) => ({ subject, at }))).execute();
}

/** Instants of a subject's failures since `since`, oldest first. */
export async function loginFailuresSince(db: Db, subject: string, since: number): Promise<number[]> {
  const rows = await db.selectFrom('login_failures').select('at').where('subject', '=', subject).where('at', '>=', since).orderBy('at', 'asc').execute();
  return rows.map((r) => Number(r.at));
}

export async function clearLoginFailures(db: Db, subject: string): Promise<void> {
  await db.deleteFrom('login_failures').where('subject', '=', subject).execute();
}

export async function pruneLoginFailures(db: Db, before: number): Promise<void> {
  await db.deleteFrom('login_failures').where('at', '<', before).execute();
}
