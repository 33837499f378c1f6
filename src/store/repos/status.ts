import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { StatusIncidentsTable, StatusSubscribersTable, StatusUpdatesTable } from '../tables/status.js';

type Db = Kysely<Database> | Transaction<Database>;
export type StatusIncidentRow = StatusIncidentsTable;
export type StatusUpdateRow = StatusUpdatesTable;
export type StatusSubscriberRow = StatusSubscribersTable;

/** Publishes an incident; publishing it again changes nothing (the first title and time stay). Returns whether this call published it. */
export async function insertStatusIncident(db: Db, row: StatusIncidentRow): Promise<boolean> {
  const r = await db.insertInto('status_incidents').values(row).onConflict((oc) => oc.column('incident_id').doNothing()).executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
}

export async function statusIncident(db: Db, incidentId: string): Promise<StatusIncidentRow | undefined> {
  return db.selectFrom('status_incidents').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
}

/** Incidents published at or after `since`, newest first. */
export async function statusIncidentsSince(db: Db, since: number): Promise<StatusIncidentRow[]> {
  return db.selectFrom('status_incidents').selectAll().where('published_at', '>=', since).orderBy('published_at', 'desc').execute();
}

/** Ids of the given incidents that are published. */
export async function publishedIncidentIds(db: Db, incidentIds: readonly string[]): Promise<Set<string>> {
  if (incidentIds.length === 0) return new Set();
  const rows = await db.selectFrom('status_incidents').select('incident_id').where('incident_id', 'in', incidentIds).execute();
  return new Set(rows.map((r) => r.incident_id));
}

export async function insertStatusUpdate(db: Db, row: StatusUpdateRow): Promise<void> {
  await db.insertInto('status_updates').values(row).execute();
}

/** Updates of the given incidents, newest first. */
export async function statusUpdatesOf(db: Db, incidentIds: readonly string[]): Promise<StatusUpdateRow[]> {
  if (incidentIds.length === 0) return [];
  return db.selectFrom('status_updates').selectAll().where('incident_id', 'in', incidentIds).orderBy('at', 'desc').orderBy('id', 'desc').execute();
}

/** Adds a subscriber, or gives back the existing row for that address (a second request re-sends the same link). */
export async function upsertStatusSubscriber(db: Db, row: StatusSubscriberRow): Promise<StatusSubscriberRow> {
  await db.insertInto('status_subscribers').values(row).onConflict((oc) => oc.column('email').doNothing()).execute();
  return (await db.selectFrom('status_subscribers').selectAll().where('email', '=', row.email).executeTakeFirst())!;
}

export async function statusSubscriberByToken(db: Db, token: string): Promise<StatusSubscriberRow | undefined> {
  return db.selectFrom('status_subscribers').selectAll().where('token', '=', token).executeTakeFirst();
}

export async function confirmStatusSubscriber(db: Db, token: string, at: number): Promise<boolean> {
  const r = await db.updateTable('status_subscribers').set({ confirmed_at: at }).where('token', '=', token).where('confirmed_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function deleteStatusSubscriber(db: Db, token: string): Promise<boolean> {
  const r = await db.deleteFrom('status_subscribers').where('token', '=', token).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function countStatusSubscribers(db: Db): Promise<number> {
  const r = await db.selectFrom('status_subscribers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function confirmedStatusSubscribers(db: Db): Promise<StatusSubscriberRow[]> {
  return db.selectFrom('status_subscribers').selectAll().where('confirmed_at', 'is not', null).orderBy('created_at').execute();
}
