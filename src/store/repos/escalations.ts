import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { EscalationsTable } from '../tables/escalations.js';
import { precompiled } from './precompiled.js';

export type EscalationRow = EscalationsTable;
type Db = Kysely<Database> | Transaction<Database>;

const ESCALATION_COLUMNS = ['incident_id', 'policy_id', 'status', 'next_at', 'state', 'updated_at'] as const satisfies ReadonlyArray<keyof EscalationRow>;
const saveQ = precompiled(ESCALATION_COLUMNS, (db, row) =>
  db
    .insertInto('escalations')
    .values(row)
    .onConflict((oc) => oc.column('incident_id').doUpdateSet({ policy_id: row.policy_id, status: row.status, next_at: row.next_at, state: row.state, updated_at: row.updated_at })),
);
const getQ = precompiled(['incidentId'], (db, p) => db.selectFrom('escalations').selectAll().where('incident_id', '=', p.incidentId));

export async function saveEscalation(db: Db, row: EscalationRow): Promise<void> {
  await saveQ(db, row);
}

export async function getEscalation(db: Db, incidentId: string): Promise<EscalationRow | undefined> {
  return (await getQ(db, { incidentId })).rows[0];
}

/** Escalations whose timer is due at `now`, earliest first (`offset`: skip that many). */
export async function dueEscalations(db: Db, now: number, limit = 100, offset = 0): Promise<EscalationRow[]> {
  let q = db.selectFrom('escalations').selectAll().where('next_at', 'is not', null).where('next_at', '<=', now).orderBy('next_at').orderBy('incident_id').limit(limit);
  if (offset > 0) q = q.offset(offset);
  return q.execute();
}

/**
 * Moves an escalation's timer to `nextAt` if it is still the version read (`row`'s next_at and
 * updated_at): a step that could not run is tried again later, and one another writer advanced
 * meanwhile is left alone. True when moved.
 */
export async function postponeEscalation(db: Db, row: Pick<EscalationRow, 'incident_id' | 'next_at' | 'updated_at'>, nextAt: number): Promise<boolean> {
  if (row.next_at === null) return false;
  const r = await db
    .updateTable('escalations')
    .set({ next_at: nextAt })
    .where('incident_id', '=', row.incident_id)
    .where('next_at', '=', row.next_at)
    .where('updated_at', '=', row.updated_at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The earliest pending timer, for arming the next wake-up. */
export async function nextEscalationAt(db: Db, after?: number): Promise<number | undefined> {
  let q = db.selectFrom('escalations').select('next_at').where('next_at', 'is not', null);
  if (after !== undefined) q = q.where('next_at', '>', after);
  const row = await q.orderBy('next_at').limit(1).executeTakeFirst();
  return row?.next_at ?? undefined;
}
