/**
 * The newest stored results of each check (a failure streak taken over by the next runner), on
 * SQLite and PostgreSQL: newest first, as many as asked per check, all of them for a check with
 * fewer, nothing for a check never run or not asked for, and one statement for many checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertResults, openStore, recentResults, type Store } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';

const pgAvailable = await postgresUp();

for (const target of storeTargets('opsbook-recent-results', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`the newest results of checks, on ${target.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      const opened = await target.open();
      cleanup = opened.cleanup;
      store = await openStore({ url: opened.url });
      await store.migrate();
      const result = (checkId: string, at: number, down: boolean, level: 0 | 1 | 2 = down ? 2 : 0) => ({ checkId, at, down, level, latencyMs: 1 });
      // a: up, down, down (newest last); b: one critical-down result; c: a warning, then ok; many: 300 checks, 3 results each.
      await insertResults(store.db, [result('a', 1_000, false), result('a', 2_000, true), result('a', 3_000, true), result('b', 1_500, true), result('c', 1_000, false, 1), result('c', 2_000, false, 0)], 0);
      await insertResults(store.db, Array.from({ length: 300 }, (_, i) => [result(`m${i}`, 1_000, i % 2 === 0), result(`m${i}`, 2_000, false), result(`m${i}`, 3_000, true)]).flat(), 0);
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('gives each check its newest results, newest first, as many as asked', async () => {
      const got = await recentResults(store.db, new Map([['a', 2], ['b', 3], ['c', 1], ['never-ran', 2], ['zero', 0]]));
      expect(Object.fromEntries(got)).toEqual({
        a: [{ down: true, level: 2 }, { down: true, level: 2 }],
        b: [{ down: true, level: 2 }],
        c: [{ down: false, level: 0 }],
      });
      expect(Object.fromEntries(await recentResults(store.db, new Map([['a', 5]])))).toEqual({ a: [{ down: true, level: 2 }, { down: true, level: 2 }, { down: false, level: 0 }] });
    });

    it('reads the checks of a whole partition, each with its own newest', async () => {
      const got = await recentResults(store.db, new Map(Array.from({ length: 300 }, (_, i) => [`m${i}`, i % 3 === 0 ? 3 : 2] as const)));
      expect(got.size).toBe(300);
      for (let i = 0; i < 300; i++) {
        const newest = [{ down: true, level: 2 }, { down: false, level: 0 }];
        expect(got.get(`m${i}`), `m${i}`).toEqual(i % 3 === 0 ? [...newest, { down: i % 2 === 0, level: i % 2 === 0 ? 2 : 0 }] : newest);
      }
    });
  });
}
