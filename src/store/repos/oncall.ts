import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { CalendarFeedsTable, OncallOverridesTable } from '../tables/oncall.js';

type Db = Kysely<Database> | Transaction<Database>;
export type OncallOverrideRow = OncallOverridesTable;
export type CalendarFeedRow = CalendarFeedsTable;

const num = <T extends { starts_at: number; ends_at: number; created_at: number }>(r: T): T => ({ ...r, starts_at: Number(r.starts_at), ends_at: Number(r.ends_at), created_at: Number(r.created_at) });

export async function insertOncallOverride(db: Db, row: OncallOverrideRow): Promise<void> {
  await db.insertInto('oncall_overrides').values(row).execute();
}

/** Stored overrides of the given schedules (all when absent) ending after `endsAfter`, by start. */
export async function listOncallOverrides(db: Db, filter: { schedules?: readonly string[]; endsAfter?: number } = {}): Promise<OncallOverrideRow[]> {
  if (filter.schedules && filter.schedules.length === 0) return [];
  let q = db.selectFrom('oncall_overrides').selectAll().orderBy('starts_at').orderBy('id');
  if (filter.schedules) q = q.where('schedule_id', 'in', filter.schedules);
  if (filter.endsAfter !== undefined) q = q.where('ends_at', '>', filter.endsAfter);
  return (await q.execute()).map(num);
}

export async function findOncallOverride(db: Db, id: string): Promise<OncallOverrideRow | undefined> {
  const r = await db.selectFrom('oncall_overrides').selectAll().where('id', '=', id).executeTakeFirst();
  return r && num(r);
}

/** Deletes the override, or both halves when it belongs to a swap; returns the rows deleted. */
export async function deleteOncallOverride(db: Db, row: OncallOverrideRow): Promise<OncallOverrideRow[]> {
  const rows = row.swap_id ? (await db.selectFrom('oncall_overrides').selectAll().where('swap_id', '=', row.swap_id).execute()).map(num) : [row];
  await db.deleteFrom('oncall_overrides').where('id', 'in', rows.map((r) => r.id)).execute();
  return rows;
}

export async function insertCalendarFeed(db: Db, row: CalendarFeedRow): Promise<void> {
  await db.insertInto('calendar_feeds').values(row).execute();
}

export async function findCalendarFeed(db: Db, id: string): Promise<CalendarFeedRow | undefined> {
  const r = await db.selectFrom('calendar_feeds').selectAll().where('id', '=', id).executeTakeFirst();
  return r && { ...r, created_at: Number(r.created_at), revoked_at: r.revoked_at === null ? null : Number(r.revoked_at) };
}

/** Feeds not revoked, oldest first. */
export async function liveCalendarFeeds(db: Db): Promise<CalendarFeedRow[]> {
  const rows = await db.selectFrom('calendar_feeds').selectAll().where('revoked_at', 'is', null).orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ ...r, created_at: Number(r.created_at), revoked_at: null }));
}

export async function revokeCalendarFeedRow(db: Db, id: string, at: number, by: string): Promise<boolean> {
  const r = await db.updateTable('calendar_feeds').set({ revoked_at: at, revoked_by: by }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Records that a reminder for this shift went out; false when one already had (another process or
 * before a restart), so the caller sends nothing.
 */
export async function claimShiftReminder(db: Db, row: { schedule_id: string; user_name: string; shift_start: number; sent_at: number }): Promise<boolean> {
  const r = await db.insertInto('shift_reminders').values(row).onConflict((oc) => oc.columns(['schedule_id', 'user_name', 'shift_start']).doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

/** Forgets reminders for shifts that started before `before` (retention). */
export async function pruneShiftReminders(db: Db, before: number): Promise<void> {
  await db.deleteFrom('shift_reminders').where('shift_start', '<', before).execute();
}
