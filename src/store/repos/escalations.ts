import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { EscalationsTable } from '../tables/escalations.js';

export type EscalationRow = EscalationsTable;
type Db = Kysely<Database> | Transaction<Database>;

export async function saveEscalation(db: Db, row: EscalationRow): Promise<void> {
  await db
    .insertInto('escalations')
    .values(row)
    .onConflict((oc) => oc.column('incident_id').doUpdateSet({ policy_id: row.policy_id, status: row.status, next_at: row.next_at, state: row.state, updated_at: row.updated_at }))
    .execute();
}

export async function getEscalation(db: Db, incidentId: string): Promise<EscalationRow | undefined> {
  return db.selectFrom('escalations').selectAll().where('incident_id', '=', incidentId).executeTakeFirst();
}

/** Escalations whose timer is due at `now`, earliest first. */
export async function dueEscalations(db: Db, now: number, limit = 100): Promise<EscalationRow[]> {
  return db.selectFrom('escalations').selectAll().where('next_at', 'is not', null).where('next_at', '<=', now).orderBy('next_at').limit(limit).execute();
}

/** The earliest pending timer, for arming the next wake-up. */
export async function nextEscalationAt(db: Db): Promise<number | undefined> {
  const row = await db.selectFrom('escalations').select('next_at').where('next_at', 'is not', null).orderBy('next_at').limit(1).executeTakeFirst();
  return row?.next_at ?? undefined;
}
