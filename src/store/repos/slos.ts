import { sql, type Kysely } from 'kysely';
import type { Database } from '../database.js';
import type { SloAlertsTable } from '../tables/slos.js';
import { LATENCY_BUCKETS_MS } from './check-history.js';

type Db = Kysely<Database>;

export type SloAlertRow = SloAlertsTable;

export async function listSloAlerts(db: Db): Promise<SloAlertRow[]> {
  return (await db.selectFrom('slo_alerts').selectAll().execute()).map((r) => ({ ...r, firing_since: Number(r.firing_since), updated_at: Number(r.updated_at) }));
}

export async function saveSloAlert(db: Db, row: SloAlertRow): Promise<void> {
  await db
    .insertInto('slo_alerts')
    .values(row)
    .onConflict((oc) => oc.column('series_key').doUpdateSet({ firing_since: row.firing_since, updated_at: row.updated_at }))
    .execute();
}

export async function deleteSloAlert(db: Db, seriesKey: string): Promise<void> {
  await db.deleteFrom('slo_alerts').where('series_key', '=', seriesKey).execute();
}

/** One minute of check rollups, summed over several checks. */
export interface MinuteSums {
  start: number;
  count: number;
  failures: number;
  buckets: number[];
}

const BUCKETS = LATENCY_BUCKETS_MS.map((_, i) => `l${i}`);

/** Minute rollup rows of some checks with start in [from, to), summed per minute, in time order. */
export async function minuteRollupsOf(db: Db, checkKeys: readonly number[], from: number, to: number): Promise<MinuteSums[]> {
  if (checkKeys.length === 0 || to <= from) return [];
  const rows = (await sql<Record<string, unknown>>`
    select start, sum(count) as count, sum(failures) as failures, ${sql.raw(BUCKETS.map((b) => `sum(${b}) as ${b}`).join(', '))}
    from check_rollups where resolution = 1 and check_key in (${sql.join(checkKeys)}) and start >= ${from} and start < ${to}
    group by start order by start`.execute(db)).rows;
  return rows.map((r) => ({ start: Number(r.start), count: Number(r.count), failures: Number(r.failures), buckets: BUCKETS.map((b) => Number(r[b] ?? 0)) }));
}

/** Per-minute value sums of some checks with start in [from, to), summed per minute, in time order. */
export async function valueMinutesOf(db: Db, checkKeys: readonly number[], from: number, to: number): Promise<{ start: number; count: number; valueSum: number }[]> {
  if (checkKeys.length === 0 || to <= from) return [];
  const rows = await db
    .selectFrom('slo_value_minutes')
    .select(['start', (eb) => eb.fn.sum<number>('count').as('count'), (eb) => eb.fn.sum<number>('value_sum').as('value_sum')])
    .where('check_key', 'in', [...checkKeys])
    .where('start', '>=', from)
    .where('start', '<', to)
    .groupBy('start')
    .orderBy('start')
    .execute();
  return rows.map((r) => ({ start: Number(r.start), count: Number(r.count), valueSum: Number(r.value_sum) }));
}

/** Sums values of raw results of the checks into minute rows for [from, to). Idempotent. */
export async function rollValueMinutes(db: Db, checkKeys: readonly number[], from: number, to: number): Promise<void> {
  if (checkKeys.length === 0 || to <= from) return;
  await sql`
    insert into slo_value_minutes (check_key, start, count, value_sum)
    select check_key, at - (at % 60000), count(value), sum(value)
    from check_results where check_key in (${sql.join(checkKeys)}) and at >= ${from} and at < ${to} and value is not null
    group by check_key, at - (at % 60000)
    on conflict (check_key, start) do nothing`.execute(db);
}

export async function deleteValueMinutesBefore(db: Db, before: number): Promise<number> {
  const r = await db.deleteFrom('slo_value_minutes').where('start', '<', before).executeTakeFirst();
  return Number(r.numDeletedRows);
}

export async function sloMark(db: Db, name: string): Promise<number | undefined> {
  const r = await db.selectFrom('slo_marks').select('rolled_to').where('name', '=', name).executeTakeFirst();
  return r ? Number(r.rolled_to) : undefined;
}

export async function setSloMark(db: Db, name: string, rolledTo: number): Promise<void> {
  await db
    .insertInto('slo_marks')
    .values({ name, rolled_to: rolledTo })
    .onConflict((oc) => oc.column('name').doUpdateSet({ rolled_to: rolledTo }))
    .execute();
}

// Operations report: read-only counts over other domains' tables ------------------------------

/** Alerts that opened or joined incidents in [from, to), per rule, most first. */
export async function alertCountsByRule(db: Db, from: number, to: number, limit = 10): Promise<{ ruleId: string; alerts: number; incidents: number }[]> {
  const rows = await db
    .selectFrom('incident_alerts')
    .select(['rule_id', (eb) => eb.fn.countAll<number>().as('alerts'), (eb) => eb.fn.count<number>('incident_id').distinct().as('incidents')])
    .where('first_fired_at', '>=', from)
    .where('first_fired_at', '<', to)
    .groupBy('rule_id')
    .orderBy('alerts', 'desc')
    .orderBy('rule_id')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ruleId: r.rule_id, alerts: Number(r.alerts), incidents: Number(r.incidents) }));
}

/** How many rules had alerts that opened or joined incidents in [from, to): what `alertCountsByRule` ranks. */
export async function countAlertingRules(db: Db, from: number, to: number): Promise<number> {
  const row = await db
    .selectFrom('incident_alerts')
    .select((eb) => eb.fn.count<number | string | bigint>('rule_id').distinct().as('n'))
    .where('first_fired_at', '>=', from)
    .where('first_fired_at', '<', to)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Pages sent to people in [from, to): the escalation's `paged USER` timeline lines. */
export async function pageTimelineRows(db: Db, from: number, to: number): Promise<{ incidentId: string; at: number; data: string }[]> {
  const rows = await db
    .selectFrom('incident_timeline')
    .select(['incident_id', 'at', 'data'])
    .where('kind', '=', 'notification')
    .where('at', '>=', from)
    .where('at', '<', to)
    .where('data', 'like', '%"user":%')
    .execute();
  return rows.map((r) => ({ incidentId: r.incident_id, at: Number(r.at), data: r.data }));
}
