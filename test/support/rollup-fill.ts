/**
 * Check history written straight into the rollup tables, for tests of the readers: minute, hour and
 * day rows drawn independently (an hour row is not the sum of its minutes), so a reader that picks
 * another resolution for a span than it should gives another answer. Plus per-minute value sums
 * (error-ratio SLOs), a few raw results, and statement counting on a store.
 */
import fc from 'fast-check';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { RESOLUTION_MS, checkKeys, encodeState, setRollupMark, type Store } from '../../src/store/index.js';

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** A small deterministic generator (the same data on every run and both stores). */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

export interface RollupFill {
  checks: string[];
  /** Minute rows over the last `minuteDays` before `end`, hour and day rows over `days`. */
  end: number;
  days: number;
  minuteDays: number;
  /** Share of minutes (and hours) that have a row. */
  density: number;
  seed: number;
}

async function insertChunks(store: Store, table: 'check_rollups' | 'slo_value_minutes' | 'check_results', rows: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 400) {
    await store.db
      .insertInto(table)
      .values(rows.slice(i, i + 400) as never)
      .execute();
  }
}

function rollupRow(rand: () => number, key: number, resolution: number, start: number, scale: number): Record<string, unknown> {
  const count = 1 + Math.floor(rand() * 30 * scale);
  const failures = rand() < 0.2 ? Math.floor(rand() * count) : 0;
  const buckets = new Array<number>(12).fill(0);
  for (let i = 0; i < count; i++) buckets[Math.min(11, Math.floor(-Math.log(1 - rand() * 0.9999) * 2.5))]!++;
  const row: Record<string, unknown> = {
    check_key: key,
    resolution,
    start,
    count,
    failures,
    warnings: Math.floor(rand() * (count - failures + 1)),
    criticals: failures,
    latency_sum: count * Math.floor(5 + rand() * 500),
    value_min: rand() < 0.3 ? null : Math.floor(rand() * 100),
    value_max: null,
  };
  if (row.value_min !== null) row.value_max = (row.value_min as number) + Math.floor(rand() * 100);
  buckets.forEach((b, i) => (row[`l${i}`] = b));
  return row;
}

/** Writes the rollups and value minutes of `fill`; answers the checks' keys. */
export async function fillRollups(store: Store, fill: RollupFill): Promise<Map<string, number>> {
  const rand = random(fill.seed);
  const keys = await checkKeys(store.db, fill.checks, fill.end - fill.days * DAY);
  const rollups: Record<string, unknown>[] = [];
  const values: Record<string, unknown>[] = [];
  for (const key of keys.values()) {
    const first = Math.floor((fill.end - fill.days * DAY) / DAY) * DAY;
    for (let d = first; d < fill.end; d += DAY) rollups.push(rollupRow(rand, key, 3, d, 1440));
    for (let h = Math.floor((fill.end - fill.days * DAY) / HOUR) * HOUR; h < fill.end; h += HOUR) if (rand() < fill.density) rollups.push(rollupRow(rand, key, 2, h, 60));
    for (let m = Math.floor((fill.end - fill.minuteDays * DAY) / MINUTE) * MINUTE; m < fill.end; m += MINUTE) if (rand() < fill.density) rollups.push(rollupRow(rand, key, 1, m, 1));
    for (let m = first; m < fill.end; m += MINUTE) {
      if (rand() >= fill.density / 4) continue;
      const count = 1 + Math.floor(rand() * 4);
      values.push({ check_key: key, start: m, count, value_sum: rand() < 0.7 ? 0 : Math.round(rand() * count * 1000) / 1000 });
    }
  }
  await insertChunks(store, 'check_rollups', rollups);
  await insertChunks(store, 'slo_value_minutes', values);
  return keys;
}

/** Raw results of `checkId` every 20 s in [from, to), some down, some withheld, a few with values. */
export async function fillRaw(store: Store, key: number, from: number, to: number, seed: number): Promise<void> {
  const rand = random(seed);
  const rows: Record<string, unknown>[] = [];
  for (let at = from; at < to; at += 20_000) {
    rows.push({ check_key: key, at, state: encodeState(rand() < 0.2, 0, rand() < 0.05), latency_ms: Math.floor(rand() * 3000), value: rand() < 0.5 ? null : Math.floor(rand() * 1000), error_id: null });
  }
  await insertChunks(store, 'check_results', rows);
}

/** Sets how far each resolution is rolled (`undefined`: never), each cut to its own size as the rollup job does. */
export async function setMarks(store: Store, marks: { minute?: number; hour?: number; day?: number }): Promise<void> {
  await store.db.deleteFrom('check_rollup_marks').execute();
  const levels: [1 | 2 | 3, number | undefined][] = [
    [1, marks.minute],
    [2, marks.hour],
    [3, marks.day],
  ];
  for (const [res, at] of levels) if (at !== undefined) await setRollupMark(store.db, res, Math.floor(at / RESOLUTION_MS[res]!) * RESOLUTION_MS[res]!);
}

/**
 * The store with a statement counter: every statement its `db` runs (query builder or raw SQL)
 * passes through a Kysely plugin that counts it when its result comes back.
 */
export function countingStore(store: Store): { store: Store; statements: () => number; reset: () => void } {
  let n = 0;
  const plugin: KyselyPlugin = {
    transformQuery: (args: PluginTransformQueryArgs): RootOperationNode => args.node,
    transformResult: (args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> => {
      n++;
      return Promise.resolve(args.result);
    },
  };
  const counted = Object.create(store, { db: { value: store.db.withPlugin(plugin) } }) as Store;
  return { store: counted, statements: () => n, reset: () => (n = 0) };
}

/**
 * Rollup marks as the rollup job leaves them (day ≤ hour ≤ minute), anywhere in the weeks before
 * `end`, some or all absent: for property tests of reads that cover a window by resolution.
 */
export function arbRollupMarks(end: number): fc.Arbitrary<{ minute?: number; hour?: number; day?: number }> {
  return fc
    .record({
      minuteAgo: fc.integer({ min: 0, max: 3 * DAY }),
      hourBehind: fc.integer({ min: 0, max: 2 * DAY }),
      dayBehind: fc.integer({ min: 0, max: 10 * DAY }),
      absent: fc.constantFrom('none', 'none', 'none', 'day', 'day-hour', 'all'),
    })
    .map((m) => {
      const minute = end - m.minuteAgo;
      const hour = minute - m.hourBehind;
      const day = hour - m.dayBehind;
      return {
        ...(m.absent === 'all' ? {} : { minute }),
        ...(m.absent === 'all' || m.absent === 'day-hour' ? {} : { hour }),
        ...(m.absent === 'none' ? { day } : {}),
      };
    });
}
