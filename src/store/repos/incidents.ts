import { sql, type Kysely, type Transaction } from 'kysely';
import { OpsbookError } from '../../lib/errors/index.js';
import type { Database } from '../database.js';
import { LIMIT_ONE, precompiled } from './precompiled.js';
import { inServiceView, type ServiceView } from './team-view.js';
import type {
  ChangeEventsTable,
  IncidentAlertsTable,
  IncidentsTable,
  IncidentTimelineTable,
  SilencesTable,
} from '../tables/incidents.js';

export type IncidentRow = IncidentsTable;
export type IncidentAlertRow = IncidentAlertsTable;
export type TimelineRow = IncidentTimelineTable;
export type ChangeEventRow = ChangeEventsTable;
export type SilenceRow = SilencesTable;

type Db = Kysely<Database> | Transaction<Database>;

/** Every column of a table, listed by an object the compiler checks for completeness. */
function columns<T>(all: Record<keyof T, true>): Array<keyof T & string> {
  return Object.keys(all) as Array<keyof T & string>;
}

const INCIDENT_COLUMNS = columns<IncidentRow>({
  id: true, title: true, state: true, severity: true, service: true, source: true, opened_at: true, updated_at: true, acknowledged_at: true,
  resolved_at: true, response_due_at: true, response_from: true, labels: true, runbook: true, created_by: true, reopened: true, held_notification: true,
});
const ALERT_COLUMNS = columns<IncidentAlertRow>({
  incident_id: true, dedup_key: true, rule_id: true, state: true, severity: true, labels: true, annotations: true, runbook: true, value: true,
  first_fired_at: true, last_fired_at: true, resolved_at: true,
});
const TIMELINE_COLUMNS = columns<TimelineRow>({ id: true, incident_id: true, seq: true, at: true, kind: true, actor: true, text: true, data: true });

// The statements of the new-incident path, compiled once (see precompiled).
const insertIncidentQ = precompiled(INCIDENT_COLUMNS, (db, row) => db.insertInto('incidents').values(row));
const findIncidentQ = precompiled(['id'], (db, p) => db.selectFrom('incidents').selectAll().where('id', '=', p.id));
const insertAlertQ = precompiled(ALERT_COLUMNS, (db, row) => db.insertInto('incident_alerts').values(row));
const insertTimelineQ = precompiled(TIMELINE_COLUMNS, (db, row) => db.insertInto('incident_timeline').values(row));
const insertTwoTimelineQ = precompiled(
  [...TIMELINE_COLUMNS.map((c) => `a_${c}` as const), ...TIMELINE_COLUMNS.map((c) => `b_${c}` as const)],
  (db, p) => db.insertInto('incident_timeline').values([0, 1].map((i) => Object.fromEntries(TIMELINE_COLUMNS.map((c) => [c, p[`${i ? 'b' : 'a'}_${c}`]])) as unknown as TimelineRow)),
);
/** Each timeline column with its names in insertTwoTimelineQ's values, named once rather than at every incident. */
const TWO_TIMELINE_KEYS = TIMELINE_COLUMNS.map((c) => [c, `a_${c}`, `b_${c}`] as const);

/** The values of insertTwoTimelineQ: the first row's columns as `a_…`, the second's as `b_…`. */
function twoTimelineValues(a: TimelineRow, b: TimelineRow): Record<`a_${keyof TimelineRow}` | `b_${keyof TimelineRow}`, unknown> {
  const values: Record<string, unknown> = {};
  for (const [c, ka, kb] of TWO_TIMELINE_KEYS) {
    values[ka] = a[c];
    values[kb] = b[c];
  }
  return values as Record<`a_${keyof TimelineRow}` | `b_${keyof TimelineRow}`, unknown>;
}

/**
 * Appends a timeline row numbered after the incident's last, in one statement: the number is read
 * by a subquery and the row is only written when the incident exists (no row comes back otherwise),
 * or when its number was taken meanwhile (see appendNumbered).
 * The values are cast because PostgreSQL types the bare parameters of a SELECT list as text.
 */
const appendTimelineQ = precompiled(['id', 'incident_id', 'at', 'kind', 'actor', 'text', 'data'] as const, (db, p) => appendTimelineInsert(db, p).returning('seq'));
/** As appendTimelineQ without reading the number back: SQLite's RETURNING buffers its rows in a temporary table per statement. */
const appendTimelineLineQ = precompiled(['id', 'incident_id', 'at', 'kind', 'actor', 'text', 'data'] as const, (db, p) => appendTimelineInsert(db, p));

function appendTimelineInsert(db: Db, p: Record<'id' | 'incident_id' | 'at' | 'kind' | 'actor' | 'text' | 'data', never>) {
  return db
    .insertInto('incident_timeline')
    .columns(['id', 'incident_id', 'seq', 'at', 'kind', 'actor', 'text', 'data'])
    .expression(
      db
        .selectFrom('incidents')
        .select((eb) => [
          sql<string>`cast(${p.id} as text)`.as('id'),
          'incidents.id as incident_id',
          sql<number>`coalesce(${eb.selectFrom('incident_timeline').select('seq').where('incident_timeline.incident_id', '=', p.incident_id).orderBy('seq', 'desc').limit(1)}, 0) + 1`.as('seq'),
          sql<number>`cast(${p.at} as bigint)`.as('at'),
          sql<string>`cast(${p.kind} as text)`.as('kind'),
          sql<string>`cast(${p.actor} as text)`.as('actor'),
          sql<string>`cast(${p.text} as text)`.as('text'),
          sql<string>`cast(${p.data} as text)`.as('data'),
        ])
        .where('incidents.id', '=', p.incident_id),
    )
    .onConflict((oc) => oc.columns(['incident_id', 'seq']).doNothing());
}

/** How many times an append may find its number taken before giving up (each time another process wrote a line). */
const TIMELINE_TRIES = 100;

/**
 * Runs a timeline append until it takes a number. The number is read inside the insert, but two
 * processes on one PostgreSQL can still read the same one at the same moment; the unique (incident,
 * seq) index then makes the later insert wait for the earlier's commit and write nothing (ON
 * CONFLICT DO NOTHING, which leaves the caller's transaction usable), and the next try, a new
 * statement, reads the number after it. `attempt` answers whether it wrote, and `missing` whether
 * writing nothing meant there is no such incident.
 */
async function appendNumbered<T>(incidentId: string, attempt: () => Promise<T | undefined>, missing: () => Promise<boolean>): Promise<T | undefined> {
  for (let i = 0; i < TIMELINE_TRIES; i++) {
    const written = await attempt();
    if (written !== undefined) return written;
    if (await missing()) return undefined;
  }
  throw new OpsbookError('OPSBOOK_E_STORE_CONTENDED', `the timeline of incident ${incidentId} kept changing: ${TIMELINE_TRIES} appends in a row found their number taken`, { details: { id: incidentId, retryAfterSeconds: 1 } });
}

const incidentMissing = (db: Db, id: string) => async () => (await findIncidentQ(db, { id })).rows.length === 0;

/** States in which an incident is still open. */
export const OPEN_INCIDENT_STATES = ['triggered', 'acknowledged', 'investigating', 'mitigated'] as const;

export async function insertIncident(db: Db, row: IncidentRow): Promise<void> {
  await insertIncidentQ(db, row);
}

export async function updateIncident(db: Db, id: string, patch: Partial<Omit<IncidentRow, 'id'>>): Promise<void> {
  await db.updateTable('incidents').set(patch).where('id', '=', id).execute();
}

export async function findIncident(db: Db, id: string): Promise<IncidentRow | undefined> {
  return (await findIncidentQ(db, { id })).rows[0];
}

/**
 * The incident with this id, or a refusal naming the id: for a caller that must tell a mistyped id
 * from an incident with nothing to show. `path`: where the caller took the id from (the refusal's location).
 */
export async function requireIncident(db: Db, id: string, path: string): Promise<IncidentRow> {
  const row = await findIncident(db, id);
  if (!row) throw new OpsbookError('OPSBOOK_E_INCIDENT_UNKNOWN', `no incident with id ${id}`, { location: { path }, details: { id } });
  return row;
}

/** The most incidents one page holds (a larger `limit` is cut to it). */
const INCIDENT_PAGE_MAX = 500;

export interface IncidentListFilter {
  state?: string | readonly string[];
  severity?: string;
  /** Only incidents with an id below this one (ids sort by opening time): the next page. */
  before?: string;
  /** Only incidents an alert of one of these rules opened or joined (a check's: its rules' ids). */
  ruleIds?: readonly string[];
  limit?: number;
  /**
   * Team view: incidents of the `visible` services, and of services no team owns (not in `owned`)
   * or with no service at all.
   */
  services?: ServiceView;
}

/**
 * Newest first, keyset-paginated on the id: the first page and every later page read only `limit`
 * rows through the primary key, or through (state, id) / (severity, id) when filtered.
 */
export function listIncidentsQuery(db: Db, filter: IncidentListFilter = {}) {
  return incidentsMatching(db, filter).selectAll().orderBy('id', 'desc').limit(Math.min(Math.max(filter.limit ?? 50, 1), INCIDENT_PAGE_MAX));
}

/** How many incidents match `filter` (its limit ignored): what a page of them left out. */
export async function countIncidents(db: Db, filter: IncidentListFilter = {}): Promise<number> {
  const row = await incidentsMatching(db, filter).select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

function incidentsMatching(db: Db, filter: IncidentListFilter) {
  let q = db.selectFrom('incidents');
  const states = filter.state === undefined ? [] : typeof filter.state === 'string' ? [filter.state] : [...filter.state];
  if (states.length === 1) q = q.where('state', '=', states[0]!);
  else if (states.length > 1) q = q.where('state', 'in', states);
  if (filter.severity !== undefined) q = q.where('severity', '=', filter.severity);
  if (filter.before !== undefined) q = q.where('id', '<', filter.before);
  if (filter.ruleIds !== undefined) {
    const rules = [...filter.ruleIds];
    q = rules.length > 0 ? q.where('id', 'in', db.selectFrom('incident_alerts').select('incident_id').where('rule_id', 'in', rules)) : q.where(sql<boolean>`1 = 0`);
  }
  if (filter.services) q = q.where(inServiceView(filter.services));
  return q;
}

/** Incidents in `states` that `createdBy` (a system actor) opened, oldest first: few, read through incidents_state_id. */
export async function listIncidentsCreatedBy(db: Db, states: readonly string[], createdBy: string): Promise<IncidentRow[]> {
  if (states.length === 0) return [];
  return db.selectFrom('incidents').selectAll().where('state', 'in', [...states]).where('created_by', '=', createdBy).orderBy('id').execute();
}

export async function listIncidents(db: Db, filter: IncidentListFilter = {}): Promise<IncidentRow[]> {
  return listIncidentsQuery(db, filter).execute();
}

/**
 * Every incident that matches, newest first, read 500 a statement by the id cursor: for callers that
 * act on all of them (a sweep, a test's results), which one page (at most 500) would cut short.
 */
export async function listAllIncidents(db: Db, filter: Omit<IncidentListFilter, 'limit'> = {}): Promise<IncidentRow[]> {
  const all: IncidentRow[] = [];
  for (let before = filter.before; ; ) {
    const rows = await listIncidents(db, { ...filter, ...(before !== undefined ? { before } : {}), limit: INCIDENT_PAGE_MAX });
    all.push(...rows);
    if (rows.length < INCIDENT_PAGE_MAX) return all;
    before = rows.at(-1)!.id;
  }
}

/**
 * The open incident an alert with this dedup key already belongs to, if any (the one it fired in
 * last). A cross join keeps incident_alerts the outer table on SQLite, so the lookup walks
 * incident_alerts_dedup backwards and probes incidents by primary key instead of walking every open
 * incident through incidents_state_id; PostgreSQL plans it the same way.
 */
export function openIncidentByDedupKeyQuery(db: Db, dedupKey: string) {
  return db
    .selectFrom('incident_alerts')
    .crossJoin('incidents')
    .selectAll('incidents')
    .whereRef('incidents.id', '=', 'incident_alerts.incident_id')
    .where('incident_alerts.dedup_key', '=', dedupKey)
    .where('incidents.state', 'in', [...OPEN_INCIDENT_STATES])
    .orderBy('incident_alerts.last_fired_at', 'desc')
    .limit(LIMIT_ONE);
}

const openByDedupKeyQ = precompiled(['dedupKey'], (db, p) => openIncidentByDedupKeyQuery(db, p.dedupKey));

export async function findOpenIncidentByDedupKey(db: Db, dedupKey: string): Promise<IncidentRow | undefined> {
  return (await openByDedupKeyQ(db, { dedupKey })).rows[0];
}

/**
 * The alerts, still firing, whose dedup key starts with `prefix` (no `%` or `_` in it), of open
 * incidents: read once at a start (the incidents opsbook raised about itself that are still open).
 */
export async function listOpenStuckAlerts(db: Db, prefix: string): Promise<Array<{ incident_id: string; dedup_key: string; labels: string }>> {
  return db
    .selectFrom('incident_alerts')
    .innerJoin('incidents', 'incidents.id', 'incident_alerts.incident_id')
    .select(['incident_alerts.incident_id', 'incident_alerts.dedup_key', 'incident_alerts.labels'])
    .where('incident_alerts.dedup_key', 'like', `${prefix}%`)
    .where('incident_alerts.state', '=', 'firing')
    .where('incidents.state', 'in', [...OPEN_INCIDENT_STATES])
    .execute();
}

/** The latest incident (any state) an alert with this dedup key belonged to. */
const latestByDedupKeyQ = precompiled(['dedupKey'], (db, p) =>
  db
    .selectFrom('incident_alerts')
    .innerJoin('incidents', 'incidents.id', 'incident_alerts.incident_id')
    .selectAll('incidents')
    .where('incident_alerts.dedup_key', '=', p.dedupKey)
    .orderBy('incident_alerts.last_fired_at', 'desc')
    .orderBy('incidents.id', 'desc')
    .limit(LIMIT_ONE),
);

export async function findLatestIncidentByDedupKey(db: Db, dedupKey: string): Promise<IncidentRow | undefined> {
  return (await latestByDedupKeyQ(db, { dedupKey })).rows[0];
}

const openForServiceQ = precompiled(['service', 'since'], (db, p) =>
  db
    .selectFrom('incidents')
    .selectAll()
    .where('service', '=', p.service)
    .where('opened_at', '>=', p.since)
    .where('state', 'in', [...OPEN_INCIDENT_STATES])
    .orderBy('opened_at', 'desc')
    .limit(LIMIT_ONE),
);

/** The newest open incident of a service opened at or after `since` (grouping). */
export async function findOpenIncidentForService(db: Db, service: string, since: number): Promise<IncidentRow | undefined> {
  return (await openForServiceQ(db, { service, since })).rows[0];
}

const openForRuleQ = precompiled(['ruleId', 'since'], (db, p) =>
  db
    .selectFrom('incidents')
    .selectAll('incidents')
    .where('incidents.service', 'is', null)
    .where('incidents.opened_at', '>=', p.since)
    .where('incidents.state', 'in', [...OPEN_INCIDENT_STATES])
    .where((eb) => eb.exists(eb.selectFrom('incident_alerts').select('incident_alerts.incident_id').whereRef('incident_alerts.incident_id', '=', 'incidents.id').where('incident_alerts.rule_id', '=', p.ruleId)))
    .orderBy('incidents.opened_at', 'desc')
    .limit(LIMIT_ONE),
);

/** The latest open incident without a service opened since `since` that holds an alert of rule `ruleId`. */
export async function findOpenIncidentForRule(db: Db, ruleId: string, since: number): Promise<IncidentRow | undefined> {
  return (await openForRuleQ(db, { ruleId, since })).rows[0];
}

/** Incidents opened between `from` and `to` (inclusive), through the index incidents_opened_at. */
export function incidentsOpenedBetweenQuery(db: Db, from: number, to: number) {
  return db.selectFrom('incidents').selectAll().where('opened_at', '>=', from).where('opened_at', '<=', to).orderBy('opened_at');
}

export async function listIncidentsOpenedBetween(db: Db, from: number, to: number): Promise<IncidentRow[]> {
  return incidentsOpenedBetweenQuery(db, from, to).execute();
}

/** Incidents whose notification is held, through the partial index incidents_held (only they are in it). */
export function heldIncidentsQuery(db: Db) {
  return db.selectFrom('incidents').selectAll().where('held_notification', 'is not', null);
}

/** Incidents whose notification a window or silence is holding back. */
export async function listHeldIncidents(db: Db): Promise<IncidentRow[]> {
  return heldIncidentsQuery(db).execute();
}

/** The first row of an alert in an incident created in the same transaction. */
export async function insertIncidentAlert(db: Db, row: IncidentAlertRow): Promise<void> {
  await insertAlertQ(db, row);
}

export async function upsertIncidentAlert(db: Db, row: IncidentAlertRow): Promise<void> {
  const { incident_id: _i, dedup_key: _d, first_fired_at: _f, ...rest } = row;
  await db
    .insertInto('incident_alerts')
    .values(row)
    .onConflict((oc) => oc.columns(['incident_id', 'dedup_key']).doUpdateSet(rest))
    .execute();
}

export async function findIncidentAlert(db: Db, incidentId: string, dedupKey: string): Promise<IncidentAlertRow | undefined> {
  return db.selectFrom('incident_alerts').selectAll().where('incident_id', '=', incidentId).where('dedup_key', '=', dedupKey).executeTakeFirst();
}

/**
 * Incidents an alert of one of these rules joined (a check's own alerts: its rules' ids), open at
 * some point between `from` and `to`, newest first.
 */
export async function listIncidentsOfRules(db: Db, ruleIds: readonly string[], from: number, to: number, limit = 200): Promise<IncidentRow[]> {
  if (ruleIds.length === 0) return [];
  return incidentsOfRulesQuery(db, ruleIds, from, to, limit).execute();
}

/** How many incidents `listIncidentsOfRules` would list without its limit: what a bounded list of them left out. */
export async function countIncidentsOfRules(db: Db, ruleIds: readonly string[], from: number, to: number): Promise<number> {
  if (ruleIds.length === 0) return 0;
  const row = await incidentsOfRules(db, ruleIds, from, to).select((eb) => eb.fn.countAll<number | string | bigint>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The query of `listIncidentsOfRules` (its plan is tested): the rules' alerts through incident_alerts_rule, incidents by key. */
export function incidentsOfRulesQuery(db: Db, ruleIds: readonly string[], from: number, to: number, limit: number) {
  return incidentsOfRules(db, ruleIds, from, to).selectAll().orderBy('id', 'desc').limit(limit);
}

function incidentsOfRules(db: Db, ruleIds: readonly string[], from: number, to: number) {
  return db
    .selectFrom('incidents')
    .where('id', 'in', db.selectFrom('incident_alerts').select('incident_id').where('rule_id', 'in', [...ruleIds]))
    .where('opened_at', '<', to)
    .where((eb) => eb.or([eb('resolved_at', 'is', null), eb('resolved_at', '>=', from)]));
}

export async function listIncidentAlerts(db: Db, incidentId: string): Promise<IncidentAlertRow[]> {
  return db.selectFrom('incident_alerts').selectAll().where('incident_id', '=', incidentId).orderBy('first_fired_at').execute();
}

/** Appends a timeline entry; `seq` orders entries of one incident in the order they were written. */
export async function appendTimelineRow(db: Db, row: Omit<TimelineRow, 'seq'>): Promise<TimelineRow> {
  const seq = await appendTimelineRowIfIncident(db, row);
  if (seq === undefined) throw new OpsbookError('OPSBOOK_E_INCIDENT_UNKNOWN', `no incident with id ${row.incident_id}`, { details: { id: row.incident_id } });
  return { ...row, seq };
}

/** As appendTimelineRow, but an incident that does not exist is not an error: nothing is written (undefined). */
export async function appendTimelineRowIfIncident(db: Db, row: Omit<TimelineRow, 'seq'>): Promise<number | undefined> {
  return appendNumbered(row.incident_id, async () => {
    const r = (await appendTimelineQ(db, row)).rows[0];
    return r ? Number(r.seq) : undefined;
  }, incidentMissing(db, row.incident_id));
}

/**
 * As appendTimelineRowIfIncident when the caller needs no number back (a page's or a delivery's line
 * on the hot path): whether the line was written (false: no such incident).
 */
export async function appendTimelineLine(db: Db, row: Omit<TimelineRow, 'seq'>): Promise<boolean> {
  const written = await appendNumbered(row.incident_id, async () => (Number((await appendTimelineLineQ(db, row)).numAffectedRows ?? 0) > 0 ? true : undefined), incidentMissing(db, row.incident_id));
  return written === true;
}

/**
 * The next line of an incident known to exist (opened in the caller's transaction, or checked with
 * `existingIncidentIds` in it): a plain insert whose number a subquery reads. Unlike an INSERT …
 * SELECT reading its own table, which SQLite runs through a temporary table per statement, it costs
 * what any one-row insert costs. An incident that does not exist fails its foreign key.
 */
const appendKnownTimelineQ = precompiled(['id', 'incident_id', 'at', 'kind', 'actor', 'text', 'data'] as const, (db, p) =>
  db.insertInto('incident_timeline').values({
    id: p.id,
    incident_id: p.incident_id,
    seq: sql<number>`coalesce(${db.selectFrom('incident_timeline').select('seq').where('incident_id', '=', p.incident_id).orderBy('seq', 'desc').limit(LIMIT_ONE)}, 0) + 1`,
    at: p.at,
    kind: p.kind,
    actor: p.actor,
    text: p.text,
    data: p.data,
  }).onConflict((oc) => oc.columns(['incident_id', 'seq']).doNothing()),
);

export async function appendTimelineLineOfKnownIncident(db: Db, row: Omit<TimelineRow, 'seq'>): Promise<void> {
  // Writing nothing means the number was taken (an incident that does not exist fails its foreign key).
  await appendNumbered(row.incident_id, async () => (Number((await appendKnownTimelineQ(db, row)).numAffectedRows ?? 0) > 0 ? true : undefined), async () => false);
}

/** Which of these incidents exist. */
export async function existingIncidentIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  return new Set((await db.selectFrom('incidents').select('id').where('id', 'in', [...ids]).execute()).map((r) => r.id));
}

/**
 * The first timeline entries of an incident created in the same transaction (it has none yet):
 * numbered 1, 2, … and written in one multi-row insert.
 */
export async function insertFirstTimelineRows(db: Db, rows: readonly Omit<TimelineRow, 'seq'>[]): Promise<TimelineRow[]> {
  const full = rows.map((r, i) => ({ ...r, seq: i + 1 }));
  if (full.length === 1) await insertTimelineQ(db, full[0]!);
  else if (full.length === 2) {
    const [a, b] = full as [TimelineRow, TimelineRow];
    await insertTwoTimelineQ(db, twoTimelineValues(a, b));
  } else if (full.length > 0) await db.insertInto('incident_timeline').values(full).execute();
  return full;
}

/** Rewrites a timeline entry's text and data in place (its time and place in the order stay). */
export async function updateTimelineRow(db: Db, id: string, change: Pick<TimelineRow, 'text' | 'data'>): Promise<void> {
  await db.updateTable('incident_timeline').set(change).where('id', '=', id).execute();
}

/** An incident's timeline in time order (entries at the same instant in the order written). */
const timelineQ = precompiled(['incidentId'], (db, p) => db.selectFrom('incident_timeline').selectAll().where('incident_id', '=', p.incidentId).orderBy('at').orderBy('seq'));

export async function listTimeline(db: Db, incidentId: string): Promise<TimelineRow[]> {
  return (await timelineQ(db, { incidentId })).rows;
}

/**
 * An incident's timeline lines whose data holds `fragment` (a marker such as an `event` value), in
 * time order: a few lines looked for among many, without reading the rest.
 */
export async function timelineLinesWithData(db: Db, incidentId: string, fragment: string): Promise<TimelineRow[]> {
  return db.selectFrom('incident_timeline').selectAll().where('incident_id', '=', incidentId).where('data', 'like', `%${fragment}%`).orderBy('at').orderBy('seq').execute();
}

export async function insertChangeEvent(db: Db, row: ChangeEventRow): Promise<void> {
  await db.insertInto('change_events').values(row).execute();
}

const changesBetweenQ = precompiled(['from', 'to'], (db, p) => db.selectFrom('change_events').selectAll().where('at', '>=', p.from).where('at', '<=', p.to).orderBy('at'));

export async function listChangeEventsBetween(db: Db, from: number, to: number): Promise<ChangeEventRow[]> {
  return (await changesBetweenQ(db, { from, to })).rows;
}

export async function insertSilence(db: Db, row: SilenceRow): Promise<void> {
  await db.insertInto('silences').values(row).execute();
}

/** Silences not yet ended or expired at `at` (including ones that start later). */
const liveSilencesQ = precompiled(['at'], (db, p) => db.selectFrom('silences').selectAll().where('ends_at', '>', p.at).where('expired_at', 'is', null).orderBy('starts_at'));

export async function listLiveSilences(db: Db, at: number): Promise<SilenceRow[]> {
  return (await liveSilencesQ(db, { at })).rows;
}

export async function findSilence(db: Db, id: string): Promise<SilenceRow | undefined> {
  return db.selectFrom('silences').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Ends a silence early; false when it had already ended or been expired. */
export async function expireSilence(db: Db, id: string, at: number): Promise<boolean> {
  const r = await db
    .updateTable('silences')
    .set({ expired_at: at })
    .where('id', '=', id)
    .where('expired_at', 'is', null)
    .where('ends_at', '>', at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

// The alert rule state repository travels with the incidents domain's.
export * from './alerts.js';

/** Incidents in the given (open) states, counted per severity; with `services`, those a team view shows (see IncidentListFilter). */
export async function countIncidentsBySeverity(db: Db, states: readonly string[], services?: IncidentListFilter['services']): Promise<Record<string, number>> {
  const rows = await incidentsMatching(db, { state: [...states], ...(services ? { services } : {}) })
    .select((eb) => ['severity', eb.fn.countAll<number | string | bigint>().as('n')])
    .groupBy('severity')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)]));
}

/**
 * Triggered incidents nobody is paging: not held by a window or silence, and either opened at or
 * before `openedBefore` with no escalation, no outbox row and no page a window or silence decided
 * (nobody was told of them), or with an
 * escalation stopped when they were answered and not started again when they re-opened. Read
 * through incidents_state_id (the triggered ones only) with the escalations' key and
 * outbox_incident probed for each; oldest first.
 */
export function unpagedIncidentsQuery(db: Db, openedBefore: number, limit: number) {
  return db
    .selectFrom('incidents as i')
    .selectAll('i')
    .where('i.state', '=', 'triggered')
    .where('i.held_notification', 'is', null)
    .where((eb) =>
      eb.or([
        eb.and([
          eb('i.opened_at', '<=', openedBefore),
          eb.not(eb.exists(eb.selectFrom('escalations as e').select('e.incident_id').whereRef('e.incident_id', '=', 'i.id'))),
          eb.not(eb.exists(eb.selectFrom('outbox as o').select('o.id').whereRef('o.incident_id', '=', 'i.id'))),
          // A window or silence decided its page (held, then dropped at its end): not a missed page.
          eb.not(eb.exists(eb.selectFrom('incident_timeline as t').select('t.id').whereRef('t.incident_id', '=', 'i.id').where('t.kind', '=', 'suppressed'))),
        ]),
        eb.exists(
          eb.selectFrom('escalations as e').select('e.incident_id').whereRef('e.incident_id', '=', 'i.id').where('e.status', 'in', ['acknowledged', 'resolved']).where('e.updated_at', '<=', openedBefore),
        ),
      ]),
    )
    .orderBy('i.opened_at')
    .orderBy('i.id')
    .limit(limit);
}

export async function listUnpagedIncidents(db: Db, openedBefore: number, limit: number): Promise<IncidentRow[]> {
  return unpagedIncidentsQuery(db, openedBefore, limit).execute();
}

/**
 * Incidents answered (no longer triggered) at or before `changedBefore` whose answer did not reach
 * their escalation: acknowledged or resolved while it still pages (active, or exhausted with later
 * rules left), or resolved while it is not (acknowledged before): its stop, with its "acknowledged"
 * or "resolved" update, could not be written after the answer's commit. Read through the partial
 * index escalations_unresolved (only the escalations not resolved) and the incidents' key; oldest
 * first.
 */
export function answeredRunningEscalationsQuery(db: Db, changedBefore: number, limit: number) {
  return db
    .selectFrom('escalations as e')
    .innerJoin('incidents as i', 'i.id', 'e.incident_id')
    .selectAll('i')
    // Literal, as the partial index's own condition: a bound parameter would not prove it on SQLite.
    .where(sql<boolean>`e.status in ('active', 'exhausted', 'acknowledged')`)
    .where('i.state', '<>', 'triggered')
    .where((eb) => eb.or([eb('e.status', '<>', 'acknowledged'), eb('i.state', 'in', ['resolved', 'reviewed'])]))
    .where('i.updated_at', '<=', changedBefore)
    .orderBy('i.updated_at')
    .orderBy('i.id')
    .limit(limit);
}

export async function listAnsweredRunningEscalations(db: Db, changedBefore: number, limit: number): Promise<IncidentRow[]> {
  return answeredRunningEscalationsQuery(db, changedBefore, limit).execute();
}

/**
 * Open incidents changed at or before `changedBefore` whose escalation (not resolved) still follows
 * another severity than theirs: its revision could not be written after a severity change's
 * commit (a worse alert joining). Read through incidents_state_id (the open ones only) with the
 * escalations' key probed for each; oldest first.
 */
export function unrevisedEscalationsQuery(db: Db, dialect: 'sqlite' | 'postgres', changedBefore: number, limit: number) {
  // An unreadable state (see the escalation driver's `postpone`) has no severity rather than failing
  // the read (on PostgreSQL through migration 000030's opsbook_json_or_null: a cast would throw).
  const severity = dialect === 'sqlite' ? sql<string | null>`(case when json_valid(e.state) then json_extract(e.state, '$.severity') end)` : sql<string | null>`(opsbook_json_or_null(e.state) ->> 'severity')`;
  return db
    .selectFrom('incidents as i')
    .innerJoin('escalations as e', 'e.incident_id', 'i.id')
    .selectAll('i')
    .where('i.state', 'in', ['triggered', 'acknowledged', 'investigating', 'mitigated'])
    .where('e.status', '<>', 'resolved')
    .where('i.updated_at', '<=', changedBefore)
    // An escalation saved before it kept its severity has none to compare.
    .where(sql<boolean>`${severity} is not null and ${severity} <> i.severity`)
    .orderBy('i.updated_at')
    .orderBy('i.id')
    .limit(limit);
}

export async function listUnrevisedEscalations(db: Db, dialect: 'sqlite' | 'postgres', changedBefore: number, limit: number): Promise<IncidentRow[]> {
  return unrevisedEscalationsQuery(db, dialect, changedBefore, limit).execute();
}
