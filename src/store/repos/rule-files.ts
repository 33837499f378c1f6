import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { RuleAlertsTable } from '../tables/rule-files.js';

export type RuleAlertRow = RuleAlertsTable;

export async function loadRuleAlerts(db: Kysely<Database>): Promise<RuleAlertRow[]> {
  return db.selectFrom('rule_alerts').selectAll().orderBy('group_key').orderBy('rule').orderBy('labels_key').execute();
}

/** Replaces the stored alerts of one group with `rows`, in one transaction. */
export async function replaceRuleAlerts(db: Kysely<Database>, groupKey: string, rows: readonly RuleAlertRow[]): Promise<void> {
  await db.transaction().execute((trx) => replaceRuleAlertsIn(trx, groupKey, rows));
}

/** Replaces the stored alerts of one group with `rows`, inside the caller's transaction `trx`. */
export async function replaceRuleAlertsIn(trx: Transaction<Database>, groupKey: string, rows: readonly RuleAlertRow[]): Promise<void> {
  await trx.deleteFrom('rule_alerts').where('group_key', '=', groupKey).execute();
  // Chunks keep one statement under SQLite's bound-parameter limit.
  for (let i = 0; i < rows.length; i += 50) await trx.insertInto('rule_alerts').values(rows.slice(i, i + 50)).execute();
}

/** Forgets the alerts of groups that are no longer configured. */
export async function deleteRuleAlertsExcept(db: Kysely<Database>, groupKeys: readonly string[]): Promise<void> {
  let q = db.deleteFrom('rule_alerts');
  if (groupKeys.length > 0) q = q.where('group_key', 'not in', [...groupKeys]);
  await q.execute();
}
