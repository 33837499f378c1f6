import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../lib/clock.js';
import { loadAlertSeries, openStore, type Store } from '../store/index.js';
import { testStore } from '../incidents/test-support.js';
import { AlertEngine } from './engine.js';
import { buildRules } from './rules.js';
import { MINUTE, result, rulesFromConfig } from './test-support.js';
import type { CheckInfo } from './types.js';

const T0 = Date.UTC(2026, 2, 2, 10, 0);
const checks = new Map<string, CheckInfo>([['pool', { id: 'pool', service: 'db' }]]);
const rules = buildRules([...checks.values()], rulesFromConfig([{ id: 'pool-busy', check: 'pool', condition: 'value >= 90', for: '10m' }]));

describe('AlertEngine', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await testStore('sqlite'));
  });
  afterAll(async () => {
    await cleanup?.();
  });

  it('resumes a for: wait after a restart from the state it stored', async () => {
    const clock = new SimulatedClock(T0);
    const first = await AlertEngine.open(store, clock, rules, checks);
    expect(await first.onCheckResult(result('pool', T0, 'ok', 95))).toEqual([]);
    // A new process on the same database (the first one is gone): the pending wait is still there.
    const reopened = await openStore({ url: store.location });
    try {
      await clock.advance(10 * MINUTE);
      const second = await AlertEngine.open(reopened, clock, rules, checks);
      expect(second.nextDueAt()).toBe(T0 + 10 * MINUTE);
      expect(await second.tick()).toMatchObject([{ kind: 'firing', ruleId: 'pool-busy', at: T0 + 10 * MINUTE, value: 95 }]);
      // Reloading without the rule drops its stored series.
      await second.reload([], checks);
      const third = await AlertEngine.open(reopened, clock, [], checks);
      expect(third.states()).toEqual([]);
    } finally {
      await reopened.close();
    }
  });

  it('writes a series when what a restart reads changed, not for each healthy result', async () => {
    const own = await testStore('sqlite');
    try {
      const clock = new SimulatedClock(T0);
      const engine = await AlertEngine.open(own.store, clock, rules, checks);
      const stored = async () => (await loadAlertSeries(own.store.db)).filter((r) => r.rule_id === 'pool-busy').map((r) => [r.state, r.updated_at]);
      // A new series is written once; then only when what a restart reads changes.
      await engine.onCheckResult(result('pool', T0, 'ok', 50));
      expect(await stored()).toEqual([['inactive', T0]]);
      await engine.onCheckResult(result('pool', T0 + MINUTE, 'ok', 95));
      expect(await stored()).toEqual([['pending', T0 + MINUTE]]);
      await engine.onCheckResult(result('pool', T0 + 2 * MINUTE, 'ok', 50));
      expect(await stored()).toEqual([['inactive', T0 + 2 * MINUTE]]);
      // Healthy again and again: the stored state is what a restart needs already.
      await engine.onCheckResult(result('pool', T0 + 3 * MINUTE, 'ok', 40));
      expect(await stored()).toEqual([['inactive', T0 + 2 * MINUTE]]);
      // A restart on it fires after a full for: from the next breach, as it would have.
      const second = await AlertEngine.open(own.store, clock, rules, checks);
      expect(await second.onCheckResult(result('pool', T0 + 4 * MINUTE, 'ok', 91))).toEqual([]);
      await clock.advanceTo(T0 + 14 * MINUTE);
      expect(await second.tick()).toMatchObject([{ kind: 'firing', ruleId: 'pool-busy', at: T0 + 14 * MINUTE, value: 91 }]);
    } finally {
      await own.cleanup();
    }
  });

  it('moves to the rules of the partitions held now: kept ones stay in memory, gained ones are read from the store, lost ones dropped', async () => {
    const own = await testStore('sqlite');
    try {
      const clock = new SimulatedClock(T0);
      const two = new Map<string, CheckInfo>([...checks, ['queue', { id: 'queue' }]]);
      const all = buildRules([...two.values()], rulesFromConfig([
        { id: 'pool-busy', check: 'pool', condition: 'value >= 90', for: '10m' },
        { id: 'queue-deep', check: 'queue', condition: 'value >= 90', for: '10m' },
      ]));
      const held = (...ids: string[]) => all.filter((r) => ids.includes(r.id));
      const engine = await AlertEngine.open(own.store, clock, held('pool-busy', 'queue-deep'), two, { prune: false });
      await engine.onCheckResult(result('pool', T0, 'ok', 95));
      await engine.onCheckResult(result('pool', T0 + MINUTE, 'ok', 96));
      await engine.onCheckResult(result('queue', T0, 'ok', 95));
      // The store is changed behind the engine's back: what the kept rule has in memory wins, the
      // gained (back) rule takes what the store says.
      await own.store.db.deleteFrom('alert_series').where('rule_id', '=', 'pool-busy').execute();
      await engine.move(held('pool-busy'), two, new Set());
      expect(engine.states().map((s) => [s.ruleId, s.state, s.activeSince, s.updatedAt])).toEqual([['pool-busy', 'pending', T0, T0 + MINUTE]]);
      const queue = (await loadAlertSeries(own.store.db, ['queue-deep']))[0]!;
      await own.store.db.updateTable('alert_series').set({ state: 'inactive', data: JSON.stringify({ ...JSON.parse(queue.data), state: 'inactive', activeSince: null }) }).execute();
      // Gained back: read from the store (as is a rule it did not have at all, whatever it is told).
      await engine.move(held('pool-busy', 'queue-deep'), two, new Set(['queue-deep']));
      expect(engine.states().map((s) => [s.ruleId, s.state]).sort()).toEqual([['pool-busy', 'pending'], ['queue-deep', 'inactive']]);
      await engine.move(held('pool-busy'), two, new Set());
      await engine.move(held('pool-busy', 'queue-deep'), two, new Set());
      expect(engine.states().map((s) => [s.ruleId, s.state]).sort()).toEqual([['pool-busy', 'pending'], ['queue-deep', 'inactive']]);
      // The kept wait runs on: it fires 10 minutes after its first breach.
      await clock.advanceTo(T0 + 10 * MINUTE);
      expect(await engine.tick()).toMatchObject([{ kind: 'firing', ruleId: 'pool-busy', at: T0 + 10 * MINUTE }]);
    } finally {
      await own.cleanup();
    }
  });
});
