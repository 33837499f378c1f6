/**
 * Each check's newest runs (the pages of every check, the watcher refreshing open pages every second,
 * a partition's failure streaks) are read as one backward range of the results' primary key per
 * check, on both stores, with many runs stored: never by joining every stored run. PostgreSQL planned
 * the SQLite form of the statement as a hash join of all runs with a probe per run (2 s per read of
 * 2,000 checks with 120 runs each). The newest failing run of each check, likewise.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { newestFailures, newestFailuresQuery, newestRunsQuery, recentResultsOf } from './check-history.js';
import { planOf } from './plan-test-support.js';

await describeOnStores('opsbook-newest-runs-plan', 'newest runs of many checks', { migrate: true }, (target) => {
  it('are read as one range of the results key per check', async () => {
    const db = target.store.db;
    const CHECKS = 400;
    const RUNS = 150;
    const keys = Array.from({ length: CHECKS }, (_, i) => ({ key: i + 1, check_id: `check-${i}`, created_at: 0 }));
    for (let i = 0; i < keys.length; i += 200) await db.insertInto('check_keys').values(keys.slice(i, i + 200)).execute();
    await db.insertInto('check_errors').values({ id: 1, text: 'HTTP 503' }).execute();
    // Every 7th run failed with an error; check-0 never failed.
    const runs = keys.flatMap((k) => Array.from({ length: RUNS }, (_, r) => ({ check_key: k.key, at: r * 10_000, state: r % 7 === 0 && k.key > 1 ? 1 : 0, latency_ms: 10, value: null, error_id: r % 7 === 0 && k.key > 1 ? 1 : null })));
    for (let i = 0; i < runs.length; i += 1000) await db.insertInto('check_results').values(runs.slice(i, i + 1000)).execute();
    if (target.name === 'postgres') await sql`ANALYZE check_keys, check_results`.execute(db);

    const latest = await recentResultsOf(db, ['check-3', 'check-9'], 2);
    expect([...latest.entries()].map(([id, rs]) => [id, rs.map((r) => r.at)])).toEqual([
      ['check-3', [(RUNS - 1) * 10_000, (RUNS - 2) * 10_000]],
      ['check-9', [(RUNS - 1) * 10_000, (RUNS - 2) * 10_000]],
    ]);
    const ids = keys.slice(0, 200).map((k) => k.check_id);
    for (const judged of [false, true]) {
      const plan = await planOf(target, newestRunsQuery(db, ids, 90, judged));
      if (target.name === 'sqlite') {
        expect(plan, plan).toMatch(/SEARCH r USING PRIMARY KEY \(check_key=\? AND at>\?\)/);
      } else {
        expect(plan, plan).toMatch(/Index Scan Backward using check_results_pk on check_results r/);
        expect(plan, plan).not.toMatch(/Seq Scan on check_results|Hash Join/);
      }
    }
    const newestFailing = Math.floor((RUNS - 1) / 7) * 7 * 10_000;
    expect(await newestFailures(db, ['check-0', 'check-5'])).toEqual(new Map([['check-5', { at: newestFailing, text: 'HTTP 503' }]]));
    const failuresPlan = await planOf(target, newestFailuresQuery(db, ids));
    if (target.name === 'sqlite') {
      expect(failuresPlan, failuresPlan).toMatch(/SEARCH r USING PRIMARY KEY \(check_key=\? AND at=\?\)/);
    } else {
      expect(failuresPlan, failuresPlan).toMatch(/Index Scan Backward using check_results_pk on check_results n/);
      expect(failuresPlan, failuresPlan).not.toMatch(/Seq Scan on check_results/);
    }
  });
});
