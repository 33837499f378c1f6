import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from '../database.js';
import type { CheckRollupsTable } from '../tables/checks.js';
import { LATENCY_BUCKETS_MS, RESOLUTION_MS, UNKNOWN_STATE } from './check-history.js';

// Rollups of check history (minute, hour and day rows) and the retention deletes of raw results and
// rollups, chunked by check key.

type Db = Kysely<Database>;

const BUCKET_SUMS = LATENCY_BUCKETS_MS.map((_, i) => `l${i}`);

/** Check keys in [from, to): a chunk of the checks a rollup or retention statement covers. */
export interface KeyRange {
  from: number;
  to: number;
}

/** The highest check key (0 when there is none): chunks of KeyRange cover [1, max]. */
export async function maxCheckKey(db: Db): Promise<number> {
  const r = await db.selectFrom('check_keys').select((eb) => eb.fn.max('key').as('key')).executeTakeFirst();
  return r?.key === null || r?.key === undefined ? 0 : Number(r.key);
}

// `check_key in (keys of the chunk)`: each key is then a seek on the (check_key, at|start) primary
// key, so a statement reads only the rows of its window, never the whole history.
function inKeys(keys: KeyRange | undefined) {
  return keys ? sql`and check_key in (select key from check_keys where key >= ${keys.from} and key < ${keys.to})` : sql``;
}

/**
 * Aggregates rows of the finer level into `resolution` rows for [from, to), for the checks in
 * `keys` (all when absent). Minutes come from raw results (judged runs only: see UNKNOWN_STATE),
 * hours from minutes, days from hours.
 * Idempotent: existing rows are left as they are.
 */
export async function rollupRange(db: Db, resolution: 1 | 2 | 3, from: number, to: number, keys?: KeyRange): Promise<void> {
  // Inlined, not bound: PostgreSQL matches the GROUP BY expression textually ($1 ≠ $3).
  const size = sql.raw(String(RESOLUTION_MS[resolution]!));
  if (resolution === 1) {
    const buckets = LATENCY_BUCKETS_MS.map((b, i) => {
      const lower = i === 0 ? sql`` : sql`latency_ms > ${LATENCY_BUCKETS_MS[i - 1]} and `;
      const cond = Number.isFinite(b) ? sql`${lower}latency_ms <= ${b}` : sql`latency_ms > ${LATENCY_BUCKETS_MS[i - 1]}`;
      return sql`sum(case when ${cond} then 1 else 0 end)`;
    });
    await sql`
      insert into check_rollups (check_key, resolution, start, count, failures, warnings, criticals, latency_sum,
        ${sql.raw(BUCKET_SUMS.join(', '))}, value_min, value_max)
      select check_key, 1, at - (at % ${size}), count(*),
        sum(state % 2), sum(case when state / 2 = 1 then 1 else 0 end), sum(case when state / 2 = 2 then 1 else 0 end),
        sum(latency_ms), ${sql.join(buckets)}, min(value), max(value)
      from check_results where at >= ${from} and at < ${to} and state < ${UNKNOWN_STATE} ${inKeys(keys)}
      group by check_key, at - (at % ${size})
      on conflict (check_key, resolution, start) do nothing`.execute(db);
    return;
  }
  const finer = resolution - 1;
  const sums = ['count', 'failures', 'warnings', 'criticals', 'latency_sum', ...BUCKET_SUMS].map((c) => `sum(${c})`).join(', ');
  await sql`
    insert into check_rollups (check_key, resolution, start, count, failures, warnings, criticals, latency_sum,
      ${sql.raw(BUCKET_SUMS.join(', '))}, value_min, value_max)
    select check_key, ${resolution}, start - (start % ${size}), ${sql.raw(sums)}, min(value_min), max(value_max)
    from check_rollups where resolution = ${finer} and start >= ${from} and start < ${to} ${inKeys(keys)}
    group by check_key, start - (start % ${size})
    on conflict (check_key, resolution, start) do nothing`.execute(db);
}

export async function rollupMarks(db: Db): Promise<Map<number, number>> {
  const rows = await db.selectFrom('check_rollup_marks').selectAll().execute();
  return new Map(rows.map((r) => [Number(r.resolution), Number(r.rolled_to)]));
}

export async function setRollupMark(db: Db, resolution: number, rolledTo: number): Promise<void> {
  await db
    .insertInto('check_rollup_marks')
    .values({ resolution, rolled_to: rolledTo })
    .onConflict((oc) => oc.column('resolution').doUpdateSet({ rolled_to: rolledTo }))
    .execute();
}

export async function oldestResultAt(db: Db): Promise<number | undefined> {
  const r = await db.selectFrom('check_results').select((eb) => eb.fn.min('at').as('at')).executeTakeFirst();
  return r?.at === null || r?.at === undefined ? undefined : Number(r.at);
}

export type RollupSums = Pick<CheckRollupsTable, 'count' | 'failures' | 'warnings' | 'criticals' | 'latency_sum'> & {
  buckets: number[];
  value_min: number | null;
  value_max: number | null;
};

/** Sums rollup rows of one check and resolution with start in [from, to). */
export async function sumRollups(db: Db, checkKey: number, resolution: number, from: number, to: number): Promise<RollupSums> {
  const cols = ['count', 'failures', 'warnings', 'criticals', 'latency_sum', ...BUCKET_SUMS];
  const row = (await sql<Record<string, unknown>>`
    select ${sql.raw(cols.map((c) => `coalesce(sum(${c}), 0) as ${c}`).join(', '))}, min(value_min) as value_min, max(value_max) as value_max
    from check_rollups where check_key = ${checkKey} and resolution = ${resolution} and start >= ${from} and start < ${to}`.execute(db)).rows[0] ?? {};
  return sumsOfRow(row);
}

/** The sums a `coalesce(sum(…))` row of check_rollups holds (drivers answer numbers or strings). */
function sumsOfRow(row: Record<string, unknown>) {
  const n = (c: string): number => Number(row[c] ?? 0);
  return {
    count: n('count'),
    failures: n('failures'),
    warnings: n('warnings'),
    criticals: n('criticals'),
    latency_sum: n('latency_sum'),
    buckets: BUCKET_SUMS.map(n),
    value_min: row.value_min === null || row.value_min === undefined ? null : Number(row.value_min),
    value_max: row.value_max === null || row.value_max === undefined ? null : Number(row.value_max),
  };
}

/** Rollup rows of one resolution with start in [from, to). */
export interface RollupPiece {
  resolution: number;
  from: number;
  to: number;
}

function emptySums(): RollupSums {
  return { count: 0, failures: 0, warnings: 0, criticals: 0, latency_sum: 0, buckets: BUCKET_SUMS.map(() => 0), value_min: null, value_max: null };
}

// Reads per statement: the statement's text stays small, and whatever the number of pieces the
// statements are few.
const READS_PER_STATEMENT = 200;

/**
 * Pieces of one resolution and one length whose starts step by one period: the hourly steps of a
 * burn-down (period = length), the hours inside each of its daily steps (period a day), the days
 * of a status page. Its rows are summed per piece by `(start - from) / period`, in one grouped
 * range read that skips the gaps between pieces.
 */
interface PieceRun {
  resolution: number;
  from: number;
  length: number;
  period: number;
  /** Indexes of its pieces, in order. */
  members: number[];
}

function runsOf(pieces: readonly RollupPiece[]): PieceRun[] {
  const groups = new Map<string, number[]>();
  pieces.forEach((p, i) => {
    const id = `${p.resolution}:${p.to - p.from}`;
    const g = groups.get(id);
    if (g) g.push(i);
    else groups.set(id, [i]);
  });
  const runs: PieceRun[] = [];
  for (const members of groups.values()) {
    members.sort((x, y) => pieces[x]!.from - pieces[y]!.from);
    let run: PieceRun | undefined;
    for (const i of members) {
      const p = pieces[i]!;
      const n = run?.members.length ?? 0;
      // A second piece sets the period; it may not overlap the first (a row belongs to one piece).
      if (run && n === 1 && p.from - run.from >= run.length) run.period = p.from - run.from;
      if (run && n >= 1 && p.from === run.from + n * run.period && (n > 1 || run.period >= run.length)) run.members.push(i);
      else runs.push((run = { resolution: p.resolution, from: p.from, length: p.to - p.from, period: p.to - p.from, members: [i] }));
    }
  }
  return runs;
}

/**
 * What `sumRollups` answers for every piece and every key, in a few statements however many pieces:
 * the pieces are gathered into runs (see PieceRun), and each run is one range read on the
 * (check_key, resolution, start) key grouped by piece and key, the runs joined by UNION ALL. The
 * piece a row falls in is computed in a subquery, so that PostgreSQL groups by its name rather than
 * by an expression it would have to match against the select list's, parameter for parameter.
 * (A VALUES list of the pieces joined to the rollups read 10-40× slower on both databases.)
 * Answers, for each piece in order, each key's sums (zero where it has no rows). With `events`, only
 * the counts, failures and latency buckets (what an SLO counts) are summed, the rest left zero.
 */
export async function sumRollupPieces(db: Db, checkKeys: readonly number[], pieces: readonly RollupPiece[], only?: 'events'): Promise<Map<number, RollupSums>[]> {
  const out = pieces.map(() => new Map<number, RollupSums>(checkKeys.map((k) => [k, emptySums()])));
  if (checkKeys.length === 0 || pieces.length === 0) return out;
  // The same piece asked for twice (windows that share their days) is read once.
  const index = new Map<string, number>();
  const distinct: RollupPiece[] = [];
  const slot = pieces.map((p) => {
    const id = `${p.resolution}:${p.from}:${p.to}`;
    let i = index.get(id);
    if (i === undefined) index.set(id, (i = distinct.push(p) - 1));
    return i;
  });
  const int = (n: number): RawBuilder<unknown> => {
    if (!Number.isSafeInteger(n)) throw new Error(`not an integer: ${n}`);
    return sql.raw(String(n));
  };
  const inKeys = sql.join(checkKeys.map(int));
  const columns = only === 'events' ? ['count', 'failures', ...BUCKET_SUMS] : ['count', 'failures', 'warnings', 'criticals', 'latency_sum', ...BUCKET_SUMS];
  const extremes = only === 'events' ? '' : ', min(value_min) as value_min, max(value_max) as value_max';
  const sums = sql.raw(columns.map((c) => `sum(${c}) as ${c}`).join(', ') + extremes);
  const found = new Map<number, Map<number, RollupSums>>();
  const runs = runsOf(distinct);
  for (let at = 0; at < runs.length; at += READS_PER_STATEMENT) {
    const reads = runs.slice(at, at + READS_PER_STATEMENT).map((r, i) => {
      // Bound, not written in: a report's statements are then the same text from one call to the
      // next (SQLite keeps them prepared). Cast, as SQLite binds a JavaScript number as REAL and
      // would divide it as one.
      const from = sql`cast(${r.from} as bigint)`;
      const period = sql`cast(${r.period} as bigint)`;
      const end = r.from + (r.members.length - 1) * r.period + r.length;
      const inPieces = r.period > r.length ? sql` and (start - ${from}) % ${period} < ${r.length}` : sql``;
      return sql`select ${int(at + i)} as run, piece, check_key, ${sums}
        from (select (start - ${from}) / ${period} as piece, check_rollups.* from check_rollups
          where check_key in (${inKeys}) and resolution = ${r.resolution} and start >= ${r.from} and start < ${end}${inPieces}) as t
        group by check_key, piece`;
    });
    const rows = (await sql<Record<string, unknown>>`${sql.join(reads, sql` union all `)}`.execute(db)).rows;
    for (const row of rows) {
      const n = (c: string): number => Number(row[c] ?? 0);
      const piece = runs[n('run')]!.members[n('piece')]!;
      let byKey = found.get(piece);
      if (!byKey) found.set(piece, (byKey = new Map()));
      byKey.set(n('check_key'), sumsOfRow(row));
    }
  }
  slot.forEach((i, p) => {
    for (const [key, s] of found.get(i) ?? []) out[p]!.set(key, s);
  });
  return out;
}

/** Keys of the checks that have one (a check that never ran has none), in one statement. */
export async function checkKeysByIds(db: Db, checkIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const unique = [...new Set(checkIds)];
  for (let i = 0; i < unique.length; i += 500) {
    const rows = await db.selectFrom('check_keys').select(['key', 'check_id']).where('check_id', 'in', unique.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.check_id, Number(r.key));
  }
  return out;
}

export async function checkKeyOf(db: Db, checkId: string): Promise<number | undefined> {
  const r = await db.selectFrom('check_keys').select('key').where('check_id', '=', checkId).executeTakeFirst();
  return r ? Number(r.key) : undefined;
}

/** Deletes raw results older than `before` of the checks in `keys` (all when absent). */
export async function deleteResultsBefore(db: Db, before: number, keys?: KeyRange): Promise<number> {
  const r = await sql`delete from check_results where at < ${before} ${inKeys(keys)}`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}

/** Deletes rollups of one resolution older than `before` of the checks in `keys` (all when absent). */
export async function deleteRollupsBefore(db: Db, resolution: number, before: number, keys?: KeyRange): Promise<number> {
  const r = await sql`delete from check_rollups where resolution = ${resolution} and start < ${before} ${inKeys(keys)}`.execute(db);
  return Number(r.numAffectedRows ?? 0);
}
