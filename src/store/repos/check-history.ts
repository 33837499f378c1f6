import { SqliteAdapter, sql, type CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { LeaseToken } from './cluster.js';

/** Upper bounds (ms, inclusive) of the latency buckets rollups count; the last is +Inf. */
export const LATENCY_BUCKETS_MS = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, Infinity] as const;

export const RESOLUTION = { minute: 1, hour: 2, day: 3 } as const;
export const RESOLUTION_MS: Record<number, number> = { 1: 60_000, 2: 3_600_000, 3: 86_400_000 };

/** One stored result as the history repository takes it. */
export interface StoredResult {
  /** The lease its check ran under (several processes on one PostgreSQL): fencing judges it at the write. */
  lease?: LeaseToken;
  checkId: string;
  at: number;
  down: boolean;
  level: 0 | 1 | 2;
  /** opsbook was too slow to time the run (its verdict withheld): kept, but left out of every figure. */
  unknown?: boolean;
  latencyMs: number;
  value?: number | null;
  error?: string | null;
  /** The check's settled probe state after this result, when this result changed it. */
  settled?: SettledProbe;
}

/**
 * A check's settled state written without a result of its own: one its writer held back until the
 * rules had seen the worse state before it (see HistoryWriter), fenced by the lease of the result
 * that changed it.
 */
export interface StoredSettledState {
  lease?: LeaseToken;
  checkId: string;
  settled: SettledProbe;
  /** No result row: the result that changed the state was written before. */
  resultless: true;
}

/** What a history write takes: results (with the settled state each changed), and settled states written later. */
export type HistoryRow = StoredResult | StoredSettledState;

/** A check's settled probe state as stored: `down` null while its status has never settled; level 0 ok, 1 warning, 2 critical. */
export interface SettledProbe {
  down: boolean | null;
  level: 0 | 1 | 2;
}

/**
 * A result's state column: level × 2 + down (0–5), or UNKNOWN_STATE for a run whose verdict was
 * withheld (opsbook too slow to time it). Rollups, uptime, SLOs and restored failure streaks count
 * states below UNKNOWN_STATE only: a run opsbook could not judge is neither good nor bad.
 */
export const UNKNOWN_STATE = 6;

export function encodeState(down: boolean, level: number, unknown = false): number {
  return unknown ? UNKNOWN_STATE : level * 2 + (down ? 1 : 0);
}

/** A stored result's state column read back (see encodeState). */
export function decodeState(state: number | string): { down: boolean; level: 0 | 1 | 2; unknown: boolean } {
  const n = Number(state);
  if (n >= UNKNOWN_STATE) return { down: false, level: 0, unknown: true };
  return { down: n % 2 === 1, level: Math.min(2, Math.floor(n / 2)) as 0 | 1 | 2, unknown: false };
}

export function latencyBucket(ms: number): number {
  return LATENCY_BUCKETS_MS.findIndex((b) => ms <= b);
}

type Db = Kysely<Database>;

/** Small integer keys for check ids, created on first use and cached by the caller. */
export async function checkKeys(db: Db, ids: readonly string[], at: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (ids.length === 0) return out;
  const unique = [...new Set(ids)];
  for (let i = 0; i < unique.length; i += 500) {
    const chunk = unique.slice(i, i + 500);
    await db
      .insertInto('check_keys')
      .values(chunk.map((check_id) => ({ check_id, created_at: at })))
      .onConflict((oc) => oc.column('check_id').doNothing())
      .execute();
    const rows = await db.selectFrom('check_keys').select(['key', 'check_id']).where('check_id', 'in', chunk).execute();
    for (const r of rows) out.set(r.check_id, Number(r.key));
  }
  return out;
}

export async function errorIds(db: Db, texts: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unique = [...new Set(texts)];
  if (unique.length === 0) return out;
  await db
    .insertInto('check_errors')
    .values(unique.map((text) => ({ text })))
    .onConflict((oc) => oc.column('text').doNothing())
    .execute();
  const rows = await db.selectFrom('check_errors').select(['id', 'text']).where('text', 'in', unique).execute();
  for (const r of rows) out.set(r.text, Number(r.id));
  return out;
}

type ResultRow = { check_key: number; at: number; state: number; latency_ms: number; value: number | null; error_id: number | null };

const RESULT_COLUMNS = ['check_key', 'at', 'state', 'latency_ms', 'value', 'error_id'] as const;
/** Compiled inserts by row count: a batch of 1,000 rows is built and compiled once, then only bound. */
const insertByRows = new WeakMap<object, Map<number, CompiledQuery>>();

function insertQuery(db: Db, rows: number): CompiledQuery {
  // Keyed by the adapter: the SQL text differs by dialect (`?` or `$1`), not by connection.
  const adapter = db.getExecutor().adapter;
  let byRows = insertByRows.get(adapter);
  if (!byRows) insertByRows.set(adapter, (byRows = new Map()));
  let q = byRows.get(rows);
  if (!q) {
    const blank = { check_key: 0, at: 0, state: 0, latency_ms: 0, value: null, error_id: null };
    q = db
      .insertInto('check_results')
      .values(Array.from({ length: rows }, () => blank))
      .onConflict((oc) => oc.columns(['check_key', 'at']).doNothing())
      .compile();
    // Every row binds its six columns in order (nulls too): the text is the same for any values.
    if (q.parameters.length !== rows * RESULT_COLUMNS.length) throw new Error('check_results insert does not bind one parameter per column');
    if (byRows.size > 64) byRows.clear();
    byRows.set(rows, q);
  }
  return q;
}

/** Inserts rows whose keys are resolved; chunked under SQLite's bound-parameter limit. */
export async function insertResultRows(db: Db, rows: ResultRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) {
    const chunk = rows.length - i < 1000 ? rows.length - i : 1000;
    const params: unknown[] = new Array(chunk * RESULT_COLUMNS.length);
    for (let k = 0, j = 0; k < chunk; k++) {
      const r = rows[i + k]!;
      params[j++] = r.check_key;
      params[j++] = r.at;
      params[j++] = r.state;
      params[j++] = r.latency_ms;
      params[j++] = r.value;
      params[j++] = r.error_id;
    }
    const q = insertQuery(db, chunk);
    await db.executeQuery({ ...q, parameters: params });
  }
}

/** Keys already resolved, kept by a long-lived writer so a batch does not look them up again. */
export interface HistoryKeyCache {
  checks: Map<string, number>;
  errors: Map<string, number>;
}

/**
 * In the batch's transaction, before it writes: the results that may be written (fencing, when
 * several processes share the store, by the lease each was produced under); the others are dropped.
 */
export type AdmitResults = <T extends { lease?: LeaseToken; checkId: string }>(trx: Transaction<Database>, results: readonly T[]) => Promise<readonly T[]>;

/**
 * Writes a batch of results in one transaction, and with them the newest settled state of each
 * check in it (that of a result, or one written later: see StoredSettledState).
 */
export async function insertResults(db: Db, rows: readonly HistoryRow[], at: number, cache?: HistoryKeyCache, admit?: AdmitResults): Promise<void> {
  let results = rows;
  if (results.length === 0) return;
  const cached = cache ?? { checks: new Map<string, number>(), errors: new Map<string, number>() };
  // Bounded: a flood of distinct error texts must not grow the cache without limit.
  if (cached.errors.size > 10_000) cached.errors.clear();
  // Keys read or made in the transaction enter the cache once it commits: a key made in a
  // transaction that rolled back names no row, and a retry written through it would be lost.
  const newKeys = new Map<string, number>();
  const newErrorIds = new Map<string, number>();
  const keyOf = (id: string) => cached.checks.get(id) ?? newKeys.get(id);
  const errorIdOf = (text: string) => cached.errors.get(text) ?? newErrorIds.get(text);
  await db.transaction().execute(async (trx) => {
    if (admit) {
      results = await admit(trx, results);
      if (results.length === 0) return;
    }
    const newIds = results.map((r) => r.checkId).filter((id) => keyOf(id) === undefined);
    for (const [id, key] of await checkKeys(trx, newIds, at)) newKeys.set(id, key);
    // Settled states written later are rare (one per change held back): the common batch is not copied.
    const resultRows = results.some((r) => 'resultless' in r) ? results.filter((r): r is StoredResult => !('resultless' in r)) : (results as readonly StoredResult[]);
    const newErrors = resultRows.flatMap((r) => (r.error && errorIdOf(r.error.slice(0, 500)) === undefined ? [r.error.slice(0, 500)] : []));
    for (const [text, id] of await errorIds(trx, newErrors)) newErrorIds.set(text, id);
    await insertResultRows(
      trx,
      resultRows.map((r) => ({
        check_key: keyOf(r.checkId)!,
        at: r.at,
        state: encodeState(r.down, r.level, r.unknown),
        latency_ms: Math.max(0, Math.round(r.latencyMs)),
        value: r.value ?? null,
        error_id: r.error ? errorIdOf(r.error.slice(0, 500))! : null,
      })),
    );
    // The last settled state of each check in the batch, with the results (and their fencing).
    const settled = new Map<string, SettledProbe>();
    for (const r of results) if (r.settled) settled.set(r.checkId, r.settled);
    for (const [checkId, p] of settled) {
      await trx
        .updateTable('check_keys')
        .set({ settled_status: p.down === null ? null : p.down ? 1 : 0, settled_level: p.level })
        .where('key', '=', keyOf(checkId)!)
        .execute();
    }
  });
  for (const [id, key] of newKeys) cached.checks.set(id, key);
  for (const [text, id] of newErrorIds) cached.errors.set(text, id);
}

/** Forgets the settled probe state of checks no longer configured: one added again later starts unknown, as its rules do. */
export async function forgetSettledProbes(db: Db, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    await db.updateTable('check_keys').set({ settled_status: null, settled_level: null }).where('check_id', 'in', ids.slice(i, i + 500)).execute();
  }
}

/** The settled probe state stored for each of these checks that has one. */
export async function settledProbes(db: Db, ids: readonly string[]): Promise<Map<string, SettledProbe>> {
  const out = new Map<string, SettledProbe>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('check_keys')
      .select(['check_id', 'settled_status', 'settled_level'])
      .where('check_id', 'in', ids.slice(i, i + 500))
      .where('settled_level', 'is not', null)
      .execute();
    for (const r of rows) {
      out.set(r.check_id, { down: r.settled_status === null ? null : Number(r.settled_status) === 1, level: Math.min(2, Math.max(0, Number(r.settled_level))) as 0 | 1 | 2 });
    }
  }
  return out;
}

/** One stored result as a probe's streak counts it: failed or not, and its level (0 ok, 1 warning, 2 critical). */
export interface RecentResult {
  down: boolean;
  level: 0 | 1 | 2;
}

/**
 * The newest stored results of each check, newest first, as many as `wanted` says for it: a process
 * taking a check over counts the failure streak its previous runner had begun. One statement per
 * 500 checks wanting the same count: each check's results from its n-th newest on (an index probe
 * finds that one; a check with fewer has them all read), so a move of a partition's checks costs a
 * few statements, not one per check.
 */
export async function recentResults(db: Db, wanted: ReadonlyMap<string, number>): Promise<Map<string, RecentResult[]>> {
  const byCount = new Map<number, string[]>();
  for (const [checkId, n] of wanted) {
    if (n <= 0) continue;
    const ids = byCount.get(n);
    if (ids) ids.push(checkId);
    else byCount.set(n, [checkId]);
  }
  const out = new Map<string, RecentResult[]>();
  for (const [n, ids] of byCount) {
    // Judged runs only: a run whose verdict was withheld neither counts toward a streak nor breaks one.
    for (const r of await newestRunsOf(db, ids, n, true)) {
      const list = out.get(r.check_id) ?? [];
      if (list.length < n) {
        const { down, level } = decodeState(r.state);
        list.push({ down, level });
      }
      out.set(r.check_id, list);
    }
  }
  return out;
}

/** Checks per statement of `newestRunsOf`: bounds its parameters on both stores. */
const NEWEST_CHUNK = 500;

/**
 * The newest `n` stored runs of each check (judged runs only with `judged`), ordered by check and
 * newest first, in one statement per NEWEST_CHUNK checks however many there are. Each check's runs
 * are one backward range of the results' primary key (check_key, at), `n` long: on PostgreSQL a
 * LATERAL subquery per check; on SQLite (which has no LATERAL) a range from the check's n-th newest
 * run, found by one descent of that key. PostgreSQL does not plan the SQLite form that way: it joined
 * every stored run and probed for each (2 s for 2,000 checks of 120 runs, against 10 ms on SQLite).
 */
async function newestRunsOf(db: Db, checkIds: readonly string[], n: number, judged: boolean): Promise<NewestRun[]> {
  const rows: NewestRun[] = [];
  for (let i = 0; i < checkIds.length; i += NEWEST_CHUNK) rows.push(...(await newestRunsQuery(db, checkIds.slice(i, i + NEWEST_CHUNK), n, judged).execute()));
  return rows;
}

/** `newestRunsOf`'s statement for one chunk of checks (exported for its plan test). */
export function newestRunsQuery(db: Db, checkIds: readonly string[], n: number, judged: boolean) {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
    return db
      .selectFrom('check_keys as k')
      .innerJoinLateral(
        (eb) => {
          let runs = eb
            .selectFrom('check_results as r')
            .leftJoin('check_errors as e', 'e.id', 'r.error_id')
            .select(['r.at', 'r.state', 'r.latency_ms', 'r.value', 'e.text'])
            .whereRef('r.check_key', '=', 'k.key');
          if (judged) runs = runs.where('r.state', '<', UNKNOWN_STATE);
          return runs.orderBy('r.at', 'desc').limit(sql.lit(n)).as('r');
        },
        (join) => join.onTrue(),
      )
      .select(['k.check_id', 'r.at', 'r.state', 'r.latency_ms', 'r.value', 'r.text'])
      .where('k.check_id', 'in', checkIds)
      .orderBy('k.check_id')
      .orderBy('r.at', 'desc');
  }
  let q = db
    .selectFrom('check_keys as k')
    .innerJoin('check_results as r', 'r.check_key', 'k.key')
    .leftJoin('check_errors as e', 'e.id', 'r.error_id')
    .select(['k.check_id', 'r.at', 'r.state', 'r.latency_ms', 'r.value', 'e.text'])
    .where('k.check_id', 'in', checkIds);
  if (judged) q = q.where('r.state', '<', UNKNOWN_STATE);
  return q
    .where((eb) => {
      let cut = eb.selectFrom('check_results as c').select('c.at').whereRef('c.check_key', '=', 'k.key');
      if (judged) cut = cut.where('c.state', '<', UNKNOWN_STATE);
      return eb('r.at', '>=', eb.fn.coalesce(cut.orderBy('c.at', 'desc').limit(sql.lit(1)).offset(sql.lit(n - 1)), sql.lit(0)));
    })
    .orderBy('k.check_id')
    .orderBy('r.at', 'desc');
}

/** A row of `newestRunsOf`. */
interface NewestRun {
  check_id: string;
  at: number | string;
  state: number | string;
  latency_ms: number | string;
  value: number | string | null;
  text: string | null;
}

/** When a check last ran as far as the store knows (see lastRuns); the scheduler plans a check taken over from it. */
export interface StoredLastRun {
  /** When its last stored result was planned; for a check never run, when its history key was made. */
  at: number;
  /** False: no result is stored, and `at` is when its history key was made (when a process first planned it). */
  ran: boolean;
}

/**
 * When each of these checks (those with a history key) last ran as far as the store knows: the
 * planned time of its latest stored result, or for one with none, when its key was made. One index
 * probe per check, however long its history.
 */
export async function lastRuns(db: Db, ids: readonly string[]): Promise<Map<string, StoredLastRun>> {
  const out = new Map<string, StoredLastRun>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await db
      .selectFrom('check_keys as k')
      .select((eb) => [
        'k.check_id',
        'k.created_at',
        eb.selectFrom('check_results as r').select('r.at').whereRef('r.check_key', '=', 'k.key').orderBy('r.at', 'desc').limit(1).as('last_at'),
      ])
      .where('k.check_id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) out.set(r.check_id, r.last_at === null ? { at: Number(r.created_at), ran: false } : { at: Number(r.last_at), ran: true });
  }
  return out;
}

/**
 * The newest stored run of each of these checks that failed with a reason (its failed conditions or
 * its error), and when: what a process catching its rules up with a stored failure shows the
 * responder. Judged runs only; one index probe per check finds that run, its primary key the row.
 */
export async function newestFailures(db: Db, ids: readonly string[]): Promise<Map<string, { at: number; text: string }>> {
  const out = new Map<string, { at: number; text: string }>();
  for (let i = 0; i < ids.length; i += 500) {
    for (const r of await newestFailuresQuery(db, ids.slice(i, i + 500)).execute()) out.set(r.check_id, { at: Number(r.at), text: r.text });
  }
  return out;
}

/**
 * `newestFailures`' statement for some checks (exported for its plan test): on PostgreSQL a LATERAL
 * subquery per check, as `newestRunsQuery`, which plans the joined form as a hash join of every run.
 */
export function newestFailuresQuery(db: Db, checkIds: readonly string[]) {
  if (!(db.getExecutor().adapter instanceof SqliteAdapter)) {
    return db
      .selectFrom('check_keys as k')
      .innerJoinLateral(
        (eb) =>
          eb
            .selectFrom('check_results as n')
            .select(['n.at', 'n.error_id'])
            .whereRef('n.check_key', '=', 'k.key')
            .where('n.error_id', 'is not', null)
            .where('n.state', '<', UNKNOWN_STATE)
            .orderBy('n.at', 'desc')
            .limit(sql.lit(1))
            .as('r'),
        (join) => join.onTrue(),
      )
      .innerJoin('check_errors as e', 'e.id', 'r.error_id')
      .select(['k.check_id', 'r.at', 'e.text'])
      .where('k.check_id', 'in', checkIds);
  }
  return db
    .selectFrom('check_keys as k')
    .innerJoin('check_results as r', (join) =>
      join.onRef('r.check_key', '=', 'k.key').on((eb) =>
        eb('r.at', '=', eb.selectFrom('check_results as n').select('n.at').whereRef('n.check_key', '=', 'k.key').where('n.error_id', 'is not', null).where('n.state', '<', UNKNOWN_STATE).orderBy('n.at', 'desc').limit(1)),
      ),
    )
    .innerJoin('check_errors as e', 'e.id', 'r.error_id')
    .select(['k.check_id', 'r.at', 'e.text'])
    .where('k.check_id', 'in', checkIds);
}

export interface RawResultRow {
  at: number;
  down: boolean;
  level: number;
  /** The run's verdict was withheld: opsbook was too slow to time it (see UNKNOWN_STATE). */
  unknown: boolean;
  latencyMs: number;
  value: number | null;
  error: string | null;
}

export async function listResults(db: Db, checkId: string, opts: { from?: number; to?: number; limit?: number } = {}): Promise<RawResultRow[]> {
  let q = db
    .selectFrom('check_results as r')
    .innerJoin('check_keys as k', 'k.key', 'r.check_key')
    .leftJoin('check_errors as e', 'e.id', 'r.error_id')
    .select(['r.at', 'r.state', 'r.latency_ms', 'r.value', 'e.text'])
    .where('k.check_id', '=', checkId)
    .orderBy('r.at', 'desc');
  if (opts.from !== undefined) q = q.where('r.at', '>=', opts.from);
  if (opts.to !== undefined) q = q.where('r.at', '<', opts.to);
  const rows = await q.limit(opts.limit ?? 100).execute();
  return rows.map((r) => ({
    at: Number(r.at),
    ...decodeState(r.state),
    latencyMs: Number(r.latency_ms),
    value: r.value === null ? null : Number(r.value),
    error: r.text ?? null,
  }));
}

/**
 * The newest `limit` results of each check, newest first, as `listResults` gives one check's: in one
 * statement per 500 checks, however many there are (a page of every check, the watcher comparing each
 * check's latest run, the status page). Checks with no result (or unknown ids) are absent from the map.
 */
export async function recentResultsOf(db: Db, checkIds: readonly string[], limit: number): Promise<Map<string, RawResultRow[]>> {
  const out = new Map<string, RawResultRow[]>();
  for (const r of await newestRunsOf(db, [...new Set(checkIds)], Math.max(1, Math.floor(limit)), false)) {
    let list = out.get(r.check_id);
    if (!list) out.set(r.check_id, (list = []));
    list.push({ at: Number(r.at), ...decodeState(r.state), latencyMs: Number(r.latency_ms), value: r.value === null ? null : Number(r.value), error: r.text ?? null });
  }
  return out;
}

/** Raw results of some checks in [from, to), per check key, newest first (without error texts). */
export async function resultsOfKeys(db: Db, checkKeys: readonly number[], from: number, to: number): Promise<Map<number, Omit<RawResultRow, 'error'>[]>> {
  const out = new Map<number, Omit<RawResultRow, 'error'>[]>();
  if (checkKeys.length === 0 || to <= from) return out;
  const rows = await db
    .selectFrom('check_results')
    .select(['check_key', 'at', 'state', 'latency_ms', 'value'])
    .where('check_key', 'in', [...checkKeys])
    .where('at', '>=', from)
    .where('at', '<', to)
    .orderBy('check_key')
    .orderBy('at', 'desc')
    .execute();
  for (const r of rows) {
    const key = Number(r.check_key);
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    list.push({ at: Number(r.at), ...decodeState(r.state), latencyMs: Number(r.latency_ms), value: r.value === null ? null : Number(r.value) });
  }
  return out;
}
