/**
 * A run whose verdict opsbook withheld (its own event loop too late to time it: `unknown`) is kept
 * in the check's history with its reason, but counts neither as up nor as down: not in uptime, not
 * in the latency percentiles, not in the rollups SLOs are computed from, and not toward (or against)
 * a failure streak restored after a restart. On SQLite and PostgreSQL.
 */
import { beforeAll, expect, it } from 'vitest';
import { listResults, recentResults } from '../../store/repos/check-history.js';
import { SimulatedClock } from '../../lib/clock.js';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { HistoryWriter, latencyPercentiles, rollupAndRetain, uptime, windowStats } from './index.js';
import type { CheckResult } from '../types.js';

const T0 = Date.UTC(2026, 0, 1);
const REASON = 'unknown: opsbook\'s event loop was 2400 ms late during this run (bound 1000 ms), so "[RESPONSE_TIME] < 1000" says nothing about the target';

const up = (at: number): CheckResult => ({ checkId: 'busy', kind: 'http', at, status: 'up', level: 'ok', latencyMs: 20, conditions: [] });
const down = (at: number): CheckResult => ({ checkId: 'busy', kind: 'http', at, status: 'down', level: 'critical', latencyMs: 30, conditions: [], error: 'connect ECONNREFUSED 127.0.0.1:9' });
const withheld = (at: number): CheckResult => ({ checkId: 'busy', kind: 'http', at, status: 'unknown', level: 'ok', latencyMs: 9000, conditions: [], error: REASON });

await describeOnStores('opsbook-unknown-runs', 'runs whose verdict was withheld', { migrate: true }, (target) => {
  const clock = new SimulatedClock(T0 + 10 * 60_000);

  beforeAll(async () => {
    const writer = new HistoryWriter({ store: target.store, clock });
    // Minute 0: up, withheld, down, withheld, up — then, newest last: down, withheld, down.
    for (const r of [up(T0), withheld(T0 + 10_000), down(T0 + 20_000), withheld(T0 + 30_000), up(T0 + 40_000), down(T0 + 60_000), withheld(T0 + 70_000), down(T0 + 80_000)]) writer.record(r);
    await writer.flush();
  });

  it('keeps each withheld run with its reason, as neither down nor failing', async () => {
    const rows = await listResults(target.store.db, 'busy', { from: T0 + 10_000, to: T0 + 20_000 });
    expect(rows).toEqual([{ at: T0 + 10_000, down: false, level: 0, unknown: true, latencyMs: 9000, value: null, error: REASON }]);
    const judged = await listResults(target.store.db, 'busy', { from: T0, to: T0 + 10_000 });
    expect(judged[0]).toMatchObject({ down: false, unknown: false });
  });

  it('leaves withheld runs out of uptime and latency, from raw results and from rollups alike', async () => {
    const raw = await windowStats(target.store, 'busy', T0, T0 + 90_000);
    expect(raw).toMatchObject({ count: 5, failures: 3 });
    expect(raw.uptime).toBeCloseTo(2 / 5, 10);
    expect((await latencyPercentiles(target.store, 'busy', T0, T0 + 90_000)).p99).toBeLessThanOrEqual(50);
    await rollupAndRetain(target.store, clock.now(), { rawMs: 400 * 86_400_000 });
    await target.store.db.deleteFrom('check_results').where('at', '<', T0 + 120_000).execute();
    const rolled = await windowStats(target.store, 'busy', T0, T0 + 120_000);
    expect(rolled).toMatchObject({ count: 5, failures: 3 });
    expect(await uptime(target.store, 'busy', T0, T0 + 60_000)).toBeCloseTo(2 / 3, 10);
    expect(rolled.latency.p99).toBeLessThanOrEqual(50);
  });

  it('restores a failure streak across a withheld run, as the probe counts it', async () => {
    const writer = new HistoryWriter({ store: target.store, clock });
    const at = T0 + 200_000;
    for (const r of [up(at), down(at + 10_000), withheld(at + 20_000), down(at + 30_000)]) writer.record(r);
    await writer.flush();
    const recent = await recentResults(target.store.db, new Map([['busy', 3]]));
    expect(recent.get('busy')).toEqual([
      { down: true, level: 2 },
      { down: true, level: 2 },
      { down: false, level: 0 },
    ]);
  });
});
