import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { IncidentReviewsTable, IncidentRolesTable } from '../tables/incidents.js';

type Db = Kysely<Database> | Transaction<Database>;

export type IncidentRoleRow = IncidentRolesTable;
export type IncidentReviewRow = IncidentReviewsTable;

/** Roles held on an incident, in the order they were given. */
export async function listIncidentRoles(db: Db, incidentId: string): Promise<IncidentRoleRow[]> {
  return db.selectFrom('incident_roles').selectAll().where('incident_id', '=', incidentId).orderBy('assigned_at').orderBy('person').execute();
}

/** Gives `person` the role; `single` roles (commander, communications) leave their previous holder. */
export async function putIncidentRole(db: Db, row: IncidentRoleRow, single: boolean): Promise<void> {
  if (single) await db.deleteFrom('incident_roles').where('incident_id', '=', row.incident_id).where('role', '=', row.role).execute();
  await db.deleteFrom('incident_roles').where('incident_id', '=', row.incident_id).where('role', '=', row.role).where('person', '=', row.person).execute();
  await db.insertInto('incident_roles').values(row).execute();
}

export async function deleteIncidentRole(db: Db, incidentId: string, role: string, person: string): Promise<boolean> {
  const r = await db.deleteFrom('incident_roles').where('incident_id', '=', incidentId).where('role', '=', role).where('person', '=', person).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Every saved version of an incident's review, newest first. */
export async function listIncidentReviews(db: Db, incidentId: string): Promise<IncidentReviewRow[]> {
  return db.selectFrom('incident_reviews').selectAll().where('incident_id', '=', incidentId).orderBy('version', 'desc').execute();
}

export async function insertIncidentReview(db: Db, row: IncidentReviewRow): Promise<void> {
  await db.insertInto('incident_reviews').values(row).execute();
}

export async function publishIncidentReview(db: Db, incidentId: string, version: number, at: number, by: string): Promise<boolean> {
  const r = await db.updateTable('incident_reviews').set({ published_at: at, published_by: by }).where('incident_id', '=', incidentId).where('version', '=', version).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
