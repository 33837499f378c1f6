/**
 * The reads behind the pages that show every check (the overview, /checks, the public status page,
 * and the watcher that refreshes open pages every second) on SQLite and PostgreSQL: the same rows as
 * reading each check on its own, in a number of statements that does not grow with the checks.
 */
import fc from 'fast-check';
import { beforeEach, expect, it } from 'vitest';
import { describeOnStores } from '../../../../test/support/store-targets.js';
import { countingStore } from '../../../../test/support/rollup-fill.js';
import { hasThresholds, windowStats } from '../../../checks/index.js';
import { opsConfigSchema, type OpsConfig } from '../../../config/index.js';
import type { CheckConfig } from '../../../config/schema/checks.js';
import { SimulatedClock } from '../../../lib/clock.js';
import { insertResults, listResults, recentResultsOf, type Store, type StoredResult } from '../../../store/index.js';
import { BAR_RESULTS, checkRowsOf, pendingAlerts } from './check-list.js';
import { summarizeCheck, summarizeChecks, type CheckReader } from './checks.js';

const END = Date.UTC(2026, 4, 20, 13, 37);

function configOf(ids: readonly string[]): OpsConfig {
  return opsConfigSchema.parse({ checks: ids.map((id, i) => ({ id, kind: 'tcp', host: '127.0.0.1', port: 1, service: i % 2 ? 'api' : 'web', failure_threshold: 3 })) });
}

function readerOf(store: Store, ids: readonly string[]): CheckReader {
  return { store, clock: new SimulatedClock(END), config: configOf(ids) } as CheckReader;
}

/** One check's stored runs: how many, and what each saw. */
const arbRuns = fc.array(
  fc.record({
    gapMs: fc.integer({ min: 1, max: 120_000 }),
    down: fc.boolean(),
    level: fc.constantFrom(0 as const, 1 as const, 2 as const),
    unknown: fc.boolean(),
    latencyMs: fc.integer({ min: 0, max: 5000 }),
    value: fc.option(fc.integer({ min: -5, max: 500 }), { nil: null }),
    error: fc.option(fc.constantFrom('connection refused', 'HTTP 503', 'timed out after 5s'), { nil: null }),
  }),
  { maxLength: 130 },
);

type Run = typeof arbRuns extends fc.Arbitrary<Array<infer R>> ? R : never;

/** Each check's runs, newest first, going back from END by their gaps. */
async function fill(store: Store, runsByCheck: ReadonlyArray<{ id: string; runs: readonly Run[] }>): Promise<void> {
  const rows: StoredResult[] = [];
  for (const { id, runs } of runsByCheck) {
    let at = END;
    for (const r of runs) {
      at -= r.gapMs;
      rows.push({ checkId: id, at, down: r.down, level: r.level, unknown: r.unknown, latencyMs: r.latencyMs, value: r.value, error: r.error });
    }
  }
  if (rows.length > 0) await insertResults(store.db, rows, END);
}

async function clear(store: Store): Promise<void> {
  await store.db.deleteFrom('check_results').execute();
  await store.db.deleteFrom('check_errors').execute();
  await store.db.deleteFrom('check_keys').execute();
}

await describeOnStores('opsbook-check-list', 'pages of every check', { migrate: true }, (target) => {
  beforeEach(() => clear(target.store));

  it("reads each check's newest runs as reading that check alone does, whatever their number and the limit", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(arbRuns, { minLength: 1, maxLength: 6 }), fc.constantFrom(1, 2, 30, BAR_RESULTS, 200), async (checks, limit) => {
        await clear(target.store);
        const ids = checks.map((_, i) => `c${i}`);
        await fill(target.store, checks.map((runs, i) => ({ id: ids[i]!, runs })));
        const batched = await recentResultsOf(target.store.db, [...ids, 'never-configured'], limit);
        for (const id of ids) {
          const alone = await listResults(target.store.db, id, { limit });
          expect(batched.get(id) ?? [], id).toEqual(alone);
        }
        expect(batched.has('never-configured')).toBe(false);
        const reader = readerOf(target.store, ids);
        const checksOf = reader.config.checks as CheckConfig[];
        const summaries = await summarizeChecks(reader, checksOf, limit);
        for (const [i, c] of checksOf.entries()) expect(summaries[i]).toEqual(await summarizeCheck(reader, c, limit));
      }),
      { numRuns: 25, seed: 4711 },
    );
  });

  it("gives each check's row (history bar, uptime and p95 over the window) as reading it alone did", async () => {
    const ids = ['api', 'web', 'db', 'idle'];
    await fc.assert(
      fc.asyncProperty(fc.array(arbRuns, { minLength: 3, maxLength: 3 }), fc.constantFrom(3_600_000, 86_400_000), async (runs, windowMs) => {
        await clear(target.store);
        await fill(target.store, runs.map((r, i) => ({ id: ids[i]!, runs: r })));
        const reader = readerOf(target.store, ids);
        const rows = await checkRowsOf(reader, reader.config.checks as CheckConfig[], windowMs);
        for (const [i, c] of (reader.config.checks as CheckConfig[]).entries()) {
          // The reference: one check read on its own, as the pages did before their reads were batched.
          const summary = await summarizeCheck(reader, c, BAR_RESULTS);
          const stats = await windowStats(target.store, c.id, END - windowMs, END + 1, [0.95]);
          expect(rows[i]).toEqual({ ...summary, uptime: stats.uptime, thresholds: hasThresholds(c), withinThresholds: stats.withinThresholds, p95: stats.latency.p95 });
        }
      }),
      { numRuns: 10, seed: 1213 },
    );
  });

  it('reads a page of 3 checks and one of 600 in the same few statements', async () => {
    const count = async (ids: readonly string[], read: (reader: CheckReader) => Promise<unknown>): Promise<number> => {
      await clear(target.store);
      await fill(target.store, ids.map((id) => ({ id, runs: Array.from({ length: 5 }, (_, k) => ({ gapMs: 10_000, down: k === 0, level: 0 as const, unknown: false, latencyMs: 12, value: null, error: k === 0 ? 'HTTP 503' : null })) })));
      const counting = countingStore(target.store);
      await read(readerOf(counting.store, ids));
      return counting.statements();
    };
    const few = Array.from({ length: 3 }, (_, i) => `few-${i}`);
    // More than one statement's worth of checks (500 each): the count may grow by a statement per 500, not per check.
    const many = Array.from({ length: 600 }, (_, i) => `many-${i}`);
    // What the overview and /checks read: every check's latest run, what is pending, the shown rows.
    const overview = async (reader: CheckReader) => {
      const checks = reader.config.checks as CheckConfig[];
      await pendingAlerts(reader, await summarizeChecks(reader, checks, 1));
      await checkRowsOf(reader, checks);
    };
    const watcher = (reader: CheckReader) => summarizeChecks(reader, undefined, 1);
    const fewPage = await count(few, overview);
    const manyPage = await count(many, overview);
    expect(fewPage).toBeLessThanOrEqual(8);
    // Four reads take 500 checks a statement: 600 checks add one each.
    expect(manyPage).toBeLessThanOrEqual(fewPage + 4);
    const fewLook = await count(few, watcher);
    const manyLook = await count(many, watcher);
    expect(fewLook).toBe(1);
    expect(manyLook).toBe(2);
  });
});
