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

/** The earliest pending timer, for arming the next wake-up. */
export async function nextEscalationAt(db: Db): Promise<number | undefined> {
  const row = await db.selectFrom('escalations').select('next_at').where('next_at', 'is not', null).orderBy('next_at').limit(1).executeTakeFirst();
  return row?.next_at ?? undefined;
}
