/**
 * Window statistics of many windows at once (a status page's days, a chart's buckets, a report's
 * checks) on SQLite and PostgreSQL: the same as reading each window on its own, with minute, hour
 * and day rollups mixed by how far each is rolled and the raw results past the minute mark, in a
 * number of statements that does not grow with the windows.
 */
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { DAY, HOUR, MINUTE, arbRollupMarks, countingStore, fillRaw, fillRollups, setMarks } from '../../../test/support/rollup-fill.js';
import { LATENCY_BUCKETS_MS, RESOLUTION_MS, checkKeyOf, insertResults, latencyBucket, listResults, rollupMarks, rollupRange, sumRollups, type RollupSums, type Store } from '../../store/index.js';
import { bucketQuantile, windowStats, windowStatsOf, type WindowStats } from './queries.js';

const END = Date.UTC(2026, 4, 20, 13, 37);
const CHECKS = ['api', 'web', 'db'];

// The reference: one window read on its own, as opsbook did before reads were batched ------------

type Piece = { resolution: 1 | 2 | 3; from: number; to: number };

function cover(from: number, to: number, marks: Map<number, number>, level: 1 | 2 | 3 = 3): Piece[] {
  if (to <= from) return [];
  if (level === 1) {
    const size = RESOLUTION_MS[1]!;
    const end = Math.min(to, marks.get(1) ?? -Infinity);
    return end > from ? [{ resolution: 1, from: Math.ceil(from / size) * size, to: end }] : [];
  }
  const size = RESOLUTION_MS[level]!;
  const s = Math.ceil(from / size) * size;
  const e = Math.floor(Math.min(to, marks.get(level) ?? -Infinity) / size) * size;
  if (s >= e) return cover(from, to, marks, (level - 1) as 1 | 2);
  return [...cover(from, s, marks, (level - 1) as 1 | 2), { resolution: level, from: s, to: e }, ...cover(e, to, marks, (level - 1) as 1 | 2)];
}

function add(into: RollupSums, s: RollupSums): void {
  into.count += s.count;
  into.failures += s.failures;
  into.warnings += s.warnings;
  into.criticals += s.criticals;
  s.buckets.forEach((b, i) => (into.buckets[i]! += b));
  if (s.value_min !== null) into.value_min = into.value_min === null ? s.value_min : Math.min(into.value_min, s.value_min);
  if (s.value_max !== null) into.value_max = into.value_max === null ? s.value_max : Math.max(into.value_max, s.value_max);
}

async function windowStatsAlone(store: Store, checkId: string, from: number, to: number, quantiles: number[]): Promise<WindowStats> {
  const key = await checkKeyOf(store.db, checkId);
  const total: RollupSums = { count: 0, failures: 0, warnings: 0, criticals: 0, latency_sum: 0, buckets: LATENCY_BUCKETS_MS.map(() => 0), value_min: null, value_max: null };
  let outside = 0;
  if (key !== undefined) {
    const marks = await rollupMarks(store.db);
    for (const p of cover(from, to, marks)) {
      const piece = await sumRollups(store.db, key, p.resolution, p.from, p.to);
      add(total, piece);
      outside += piece.warnings + Math.max(piece.criticals, piece.failures);
    }
    const rawFrom = Math.max(from, marks.get(1) ?? from);
    if (rawFrom < to) {
      for (const r of await listResults(store.db, checkId, { from: rawFrom, to, limit: 100_000 })) {
        if (r.unknown) continue;
        total.count++;
        if (r.down) total.failures++;
        if (r.level === 1) total.warnings++;
        else if (r.level === 2) total.criticals++;
        if (r.down || r.level > 0) outside++;
        total.buckets[latencyBucket(r.latencyMs)]!++;
        if (r.value !== null) {
          total.value_min = total.value_min === null ? r.value : Math.min(total.value_min, r.value);
          total.value_max = total.value_max === null ? r.value : Math.max(total.value_max, r.value);
        }
      }
    }
  }
  return {
    count: total.count,
    failures: total.failures,
    warnings: total.warnings,
    criticals: total.criticals,
    uptime: total.count > 0 ? (total.count - total.failures) / total.count : undefined,
    withinThresholds: total.count > 0 ? Math.max(0, total.count - outside) / total.count : undefined,
    latency: Object.fromEntries(quantiles.map((q) => [`p${Math.round(q * 100)}`, bucketQuantile(q, total.buckets)])),
    valueMin: total.value_min,
    valueMax: total.value_max,
  };
}

// -------------------------------------------------------------------------------------------------

const arbMarks = arbRollupMarks(END);

/** Windows as the pages ask for them: days, hours, any minute or millisecond, some empty, some repeated. */
const arbWindows = fc.array(
  fc.record({
    checkId: fc.constantFrom(...CHECKS, 'never-ran'),
    endBack: fc.integer({ min: -HOUR, max: 35 * DAY }),
    length: fc.oneof(fc.constantFrom(0, MINUTE, HOUR, DAY, 7 * DAY, 30 * DAY, 90 * DAY), fc.integer({ min: 1, max: 10 * DAY })),
    aligned: fc.constantFrom(0, MINUTE, HOUR, DAY),
  }),
  { minLength: 1, maxLength: 40 },
);

await describeOnStores('opsbook-window-stats', 'window statistics of many windows', { migrate: true }, (target) => {
  beforeAll(async () => {
    const keys = await fillRollups(target.store, { checks: CHECKS, end: END, days: 40, minuteDays: 8, density: 0.5, seed: 11 });
    for (const [i, id] of CHECKS.entries()) await fillRaw(target.store, keys.get(id)!, END - 3 * DAY, END + HOUR, 100 + i);
  });

  it('answers for every window what reading it on its own answers', async () => {
    let measured = 0;
    await fc.assert(
      fc.asyncProperty(arbMarks, arbWindows, async (marks, asked) => {
        await setMarks(target.store, marks);
        const windows = asked.map((w) => {
          const to = w.aligned === 0 ? END - w.endBack : Math.floor((END - w.endBack) / w.aligned) * w.aligned;
          return { checkId: w.checkId, from: to - w.length, to };
        });
        const expected = [];
        for (const w of windows) expected.push(await windowStatsAlone(target.store, w.checkId, w.from, w.to, [0.5, 0.99]));
        expect(await windowStatsOf(target.store, windows, [0.5, 0.99])).toEqual(expected);
        measured += expected.filter((e) => e.count > 0).length;
        expect(await windowStats(target.store, windows[0]!.checkId, windows[0]!.from, windows[0]!.to, [0.5, 0.99])).toEqual(expected[0]);
      }),
      { numRuns: 25, seed: 31 },
    );
    expect(measured).toBeGreaterThan(50);
  });

  it('counts warning and critical runs against "within thresholds", from raw results and from rollups alike', async () => {
    // Two hours of a gauge, a run a minute: of every 10, 6 within thresholds, 2 warning, 1 critical, 1 down (stored critical).
    const from = Math.floor((END - 5 * HOUR) / HOUR) * HOUR;
    const runs = Array.from({ length: 120 }, (_, i) => {
      const k = i % 10;
      const level: 0 | 1 | 2 = k < 6 ? 0 : k < 8 ? 1 : 2;
      return { checkId: 'gauge', at: from + i * MINUTE, down: k === 9, level, latencyMs: 5, value: 100 * k, error: k === 9 ? 'scrape failed' : null };
    });
    await insertResults(target.store.db, runs, from);
    const expected = { count: 120, failures: 12, warnings: 24, criticals: 24, uptime: 108 / 120, withinThresholds: 72 / 120 };
    const window = { checkId: 'gauge', from, to: from + 2 * HOUR };
    // All raw: nothing rolled past the gauge's start.
    await setMarks(target.store, { minute: from - HOUR, hour: from - HOUR, day: from - DAY });
    expect(await windowStatsOf(target.store, [window], [])).toEqual([expect.objectContaining(expected)]);
    // The first hour rolled to minutes and that hour, the second read raw.
    await rollupRange(target.store.db, 1, from, from + HOUR);
    await rollupRange(target.store.db, 2, from, from + HOUR);
    await setMarks(target.store, { minute: from + HOUR, hour: from + HOUR, day: from - DAY });
    expect(await windowStatsOf(target.store, [window], [])).toEqual([expect.objectContaining(expected)]);
  });

  it('reads 90 days of three checks in as many statements as one day of one', async () => {
    await setMarks(target.store, { minute: END - 2 * MINUTE, hour: END - 2 * HOUR, day: END - 30 * HOUR });
    const counting = countingStore(target.store);
    const today = Math.floor(END / DAY) * DAY;
    const days = (n: number, checks: string[]) => checks.flatMap((checkId) => Array.from({ length: n }, (_, i) => ({ checkId, from: today - i * DAY, to: Math.min(END, today - i * DAY + DAY) })));
    await windowStatsOf(counting.store, days(1, ['api']), []);
    const one = counting.statements();
    counting.reset();
    await windowStatsOf(counting.store, days(90, CHECKS), []);
    expect(counting.statements()).toBe(one);
    expect(one).toBeLessThanOrEqual(4);
    // Window by window, as the status page read its bars before: a few statements per window.
    counting.reset();
    for (const w of days(90, CHECKS)) await windowStatsAlone(counting.store, w.checkId, w.from, w.to, []);
    expect(counting.statements()).toBeGreaterThan(3 * 270);
  });
});
