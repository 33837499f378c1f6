import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { AlertSeriesTable } from '../tables/alerts.js';

export type AlertSeriesRow = AlertSeriesTable;

/** Every series' saved state, or only that of the series of `ruleIds`. */
export async function loadAlertSeries(db: Kysely<Database>, ruleIds?: readonly string[]): Promise<AlertSeriesRow[]> {
  if (!ruleIds) return db.selectFrom('alert_series').selectAll().orderBy('series_key').execute();
  const rows: AlertSeriesRow[] = [];
  // A bounded list per statement: both databases cap the parameters of one.
  for (let i = 0; i < ruleIds.length; i += 1000) {
    rows.push(...(await db.selectFrom('alert_series').selectAll().where('rule_id', 'in', ruleIds.slice(i, i + 1000)).orderBy('series_key').execute()));
  }
  return rows;
}

/** Writes each series' latest state (insert or replace), in one transaction. */
export async function saveAlertSeries(db: Kysely<Database>, rows: readonly AlertSeriesRow[], fence?: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
  if (rows.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await fence?.(trx);
    await writeAlertSeries(trx, rows);
  });
}

/** Writes each series' latest state (insert or replace) in the caller's transaction. */
export async function writeAlertSeries(trx: Transaction<Database>, rows: readonly AlertSeriesRow[]): Promise<void> {
  for (const row of rows) {
    await trx
      .insertInto('alert_series')
      .values(row)
      .onConflict((oc) => oc.column('series_key').doUpdateSet({ rule_id: row.rule_id, state: row.state, data: row.data, updated_at: row.updated_at }))
      .execute();
  }
}

export async function deleteAlertSeries(db: Kysely<Database>, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  await db.deleteFrom('alert_series').where('series_key', 'in', [...keys]).execute();
}
