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
});
