import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { SimulatedClock } from '../../lib/clock.js';
import { CheckScheduler, STOPPED, type SchedulableCheck } from './scheduler.js';
import { createCheckMetrics } from './metrics.js';
import { nextSlot, phaseOf } from './plan.js';
import { runCheckOnce } from '../run-once.js';
import { parseCondition } from '../conditions/index.js';
import type { CompiledCheck } from '../compile.js';
import type { CheckKind, CheckResult } from '../types.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const S = 1000;

function checks(n: number, intervalMs = 10 * S, initialDelayMs = 0): SchedulableCheck[] {
  return Array.from({ length: n }, (_, i) => ({ id: `check-${i}`, kind: 'http', intervalMs, initialDelayMs }));
}

/** A scheduler whose runs take `durationMs` of simulated time; records every start. */
function harness(list: SchedulableCheck[], clock: SimulatedClock, durationMs: number, concurrency?: number) {
  const starts: { id: string; at: number; planned: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const registry = new Registry();
  const scheduler = new CheckScheduler(list, {
    clock,
    ...(concurrency ? { concurrency } : {}),
    metrics: createCheckMetrics(registry),
    run: async (check, planned, signal) => {
      starts.push({ id: check.id, at: clock.now(), planned });
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await clock.sleepUntil(clock.now() + durationMs, signal).catch(() => {});
      inFlight--;
    },
  });
  return { scheduler, starts, registry, max: () => maxInFlight };
}

describe('check scheduler on a simulated clock', () => {
  it('derives each phase from the id alone and plans on phase + k × interval', () => {
    expect(phaseOf('api-health', 10 * S)).toBe(phaseOf('api-health', 10 * S));
    const phase = phaseOf('api-health', 10 * S);
    const slot = nextSlot(T0 + 1, phase, 10 * S);
    expect((slot - phase) % (10 * S)).toBe(0);
    expect(slot).toBeGreaterThanOrEqual(T0 + 1);
    expect(slot).toBeLessThan(T0 + 1 + 10 * S);
  });

  it('spreads 1,000 checks over the interval: every check once in the first interval, no burst', async () => {
    const clock = new SimulatedClock(T0);
    const h = harness(checks(1000), clock, 50);
    h.scheduler.start();
    await clock.advance(10 * S - 1);
    expect(new Set(h.starts.map((s) => s.id)).size).toBe(1000);
    const perSecond = new Array(10).fill(0);
    for (const s of h.starts) perSecond[Math.floor((s.at - T0) / S)]++;
    expect(Math.max(...perSecond)).toBeLessThan(150); // an even spread is 100 a second
    await h.scheduler.stop();
  });

  it('plans the same first runs however it is started: each within one interval, from the id alone', async () => {
    const list = checks(5000);
    const firstRuns = async (prepare: boolean): Promise<Map<string, number>> => {
      const clock = new SimulatedClock(T0);
      const planned = new Map<string, number>();
      const scheduler = new CheckScheduler(list, { clock, run: async (c, at) => void (planned.has(c.id) || planned.set(c.id, at)) });
      if (prepare) await scheduler.prepare(700);
      scheduler.start();
      await clock.advance(10 * S);
      await scheduler.stop();
      return planned;
    };
    const direct = await firstRuns(false);
    const prepared = await firstRuns(true);
    expect(direct.size).toBe(5000);
    expect([...prepared]).toEqual([...direct]);
    expect([...direct.values()].every((at) => at >= T0 && at < T0 + 10 * S)).toBe(true);
    // Spread evenly: each tenth of the interval holds about a tenth of the first runs.
    const perTenth = new Array(10).fill(0);
    for (const at of direct.values()) perTenth[Math.floor((at - T0) / S)]++;
    expect(Math.min(...perTenth)).toBeGreaterThan(400);
    expect(Math.max(...perTenth)).toBeLessThan(600);
  });

  it('works the phases out a chunk at a time, letting other work run between chunks', async () => {
    const scheduler = new CheckScheduler(checks(5000), { clock: new SimulatedClock(T0), run: async () => {} });
    // Other work of the process: a callback that asks for the loop again each time it gets it.
    let turns = 0;
    const other = (): void => {
      turns++;
      if (turns < 1000) setImmediate(other);
    };
    setImmediate(other);
    await scheduler.prepare(500);
    // Ten chunks, nine yields: the other work ran between them, not only after the last.
    expect(turns).toBeGreaterThanOrEqual(9);
    turns = 1000;
  });

  it('launches due checks on a short tick, not a timer per check: phases fall on tick slots spread by id', async () => {
    const clock = new SimulatedClock(T0);
    let wakes = 0;
    const counting = Object.assign(Object.create(clock) as SimulatedClock, {
      at: (at: number, fn: () => void) => clock.at(at, () => (wakes++, fn())),
    });
    const starts: number[] = [];
    const scheduler = new CheckScheduler(checks(3000), { clock: counting, tickMs: 50, run: async () => void starts.push(clock.now()) });
    scheduler.start();
    await clock.advance(20 * S - 1);
    expect(starts.length).toBe(6000);
    // One wake per 50 ms slot at most (400 in 20 s), however many checks fall due.
    expect(wakes).toBeLessThanOrEqual(400);
    expect(starts.every((t) => t % 50 === 0)).toBe(true);
    // Still spread: no slot holds more than a few times its even share (3000 checks / 200 slots).
    const perSlot = new Map<number, number>();
    for (const t of starts) perSlot.set(t, (perSlot.get(t) ?? 0) + 1);
    expect(perSlot.size).toBeGreaterThan(300);
    expect(Math.max(...perSlot.values())).toBeLessThan(60);
    expect(phaseOf('api-health', 10 * S, 50) % 50).toBe(0);
    expect(phaseOf('api-health', 10 * S, 50)).toBe(phaseOf('api-health', 10 * S, 50));
    await scheduler.stop();
  });

  it('runs at a fixed rate from the plan: lag zero, slow runs do not drift it', async () => {
    const clock = new SimulatedClock(T0);
    const h = harness(checks(3), clock, 3 * S);
    h.scheduler.start();
    await clock.advance(60 * S);
    for (const id of ['check-0', 'check-1', 'check-2']) {
      const mine = h.starts.filter((s) => s.id === id);
      expect(mine.length).toBe(6);
      mine.forEach((s, i) => {
        expect(s.at).toBe(s.planned);
        if (i > 0) expect(s.at - mine[i - 1]!.at).toBe(10 * S);
      });
    }
    const lag = await h.registry.getSingleMetric('opsbook_check_lag_seconds')!.get();
    expect(lag.values.find((v) => (v as { metricName?: string }).metricName === 'opsbook_check_lag_seconds_count')?.value).toBe(18);
    await h.scheduler.stop();
  });

  it('never overlaps a check with itself: due runs while it is busy are missed', async () => {
    const clock = new SimulatedClock(T0);
    const h = harness(checks(1), clock, 25 * S);
    h.scheduler.start();
    await clock.advance(61 * S);
    const gaps = h.starts.slice(1).map((s, i) => s.at - h.starts[i]!.at);
    expect(gaps.every((g) => g === 30 * S)).toBe(true);
    expect(h.scheduler.stats.missed).toBeGreaterThanOrEqual(2 * (h.starts.length - 1));
    await h.scheduler.stop();
  });

  it('holds the global concurrency limit, starting waiting runs in plan order', async () => {
    const clock = new SimulatedClock(T0);
    const h = harness(checks(50, 10 * S), clock, 5 * S, 10);
    h.scheduler.start();
    await clock.advance(30 * S);
    expect(h.max()).toBe(10);
    const late = h.starts.filter((s) => s.at > s.planned);
    expect(late.length).toBeGreaterThan(0);
    for (let i = 1; i < h.starts.length; i++) expect(h.starts[i]!.planned >= h.starts[i - 1]!.planned || h.starts[i]!.at > h.starts[i - 1]!.at).toBe(true);
    await h.scheduler.stop();
  });

  it('resumes the plan after a restart without a burst', async () => {
    const clock = new SimulatedClock(T0);
    const list = checks(200);
    const first = harness(list, clock, 100);
    first.scheduler.start();
    await clock.advance(35 * S);
    await first.scheduler.stop();
    await clock.advance(3 * S); // the process is down for 3 s
    const second = harness(list, clock, 100);
    second.scheduler.start();
    await clock.advance(40 * S);
    await second.scheduler.stop();
    for (const c of list) {
      const times = [...first.starts, ...second.starts].filter((s) => s.id === c.id).map((s) => s.at);
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      // Every gap is a whole number of intervals (the grid), never shorter than one.
      expect(gaps.every((g) => g >= 10 * S && g % (10 * S) === 0)).toBe(true);
    }
    // Nothing fired at the restart instant beyond the ~1-in-10 whose slot falls in that second.
    const restartAt = T0 + 38 * S;
    expect(second.starts.filter((s) => s.at < restartAt + S).length).toBeLessThan(40);
  });

  it('times a hanging check out at its own deadline without delaying others', async () => {
    const clock = new SimulatedClock(T0);
    const hang: CheckKind = {
      kind: 'hang',
      options: undefined as never,
      placeholders: [],
      defaultConditions: () => [],
      run: (_c, ctx) => new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve({ values: {}, error: 'aborted' }))),
    };
    const quick: CheckKind = { ...hang, kind: 'quick', run: async () => ({ values: { STATUS: 200 } }) };
    const compiled = (id: string, impl: CheckKind): CompiledCheck => ({
      id, kind: impl.kind, impl: impl as CompiledCheck['impl'], config: { id } as CompiledCheck['config'],
      conditions: [parseCondition('[STATUS] == 200')], warning: [], critical: [],
      intervalMs: 10 * S, timeoutMs: 4 * S, initialDelayMs: 0, failureThreshold: 1, successThreshold: 1, defaultConditions: false, reads: new Set(['STATUS']),
    });
    const list = [compiled('stuck', hang), ...Array.from({ length: 5 }, (_, i) => compiled(`ok-${i}`, quick))];
    const results: CheckResult[] = [];
    const starts: { id: string; lag: number }[] = [];
    const scheduler = new CheckScheduler(list, {
      clock,
      concurrency: 2,
      onLag: (lag, c) => starts.push({ id: c.id, lag }),
      run: async (check, at, signal) => void results.push(await runCheckOnce(check, { clock, at, signal })),
    });
    scheduler.start();
    await clock.advance(30 * S);
    await scheduler.stop();
    const stuck = results.filter((r) => r.checkId === 'stuck');
    expect(stuck.length).toBe(3);
    expect(stuck.every((r) => r.status === 'down' && r.error === 'timeout after 4s')).toBe(true);
    expect(results.filter((r) => r.checkId !== 'stuck').every((r) => r.status === 'up')).toBe(true);
    expect(results.filter((r) => r.checkId !== 'stuck').length).toBe(15);
    // With one slot held by the hanging check, the others still start on time.
    expect(Math.max(...starts.filter((s) => s.id !== 'stuck').map((s) => s.lag))).toBe(0);
  });
});

describe('adding and removing checks while the scheduler runs', () => {
  /** Per check, the planned instants of its runs; and which runs were aborted by a stop. */
  function recording(list: SchedulableCheck[], clock: SimulatedClock, durationMs: number) {
    const planned = new Map<string, number[]>();
    const signals = new Map<string, AbortSignal>();
    const scheduler = new CheckScheduler(list, {
      clock,
      run: async (check, at, signal) => {
        planned.set(check.id, [...(planned.get(check.id) ?? []), at]);
        signals.set(check.id, signal);
        await clock.sleepUntil(clock.now() + durationMs, signal).catch(() => {});
        if (signals.get(check.id) === signal) signals.delete(check.id);
      },
    });
    return { scheduler, planned, signals };
  }
  const grid = (id: string, from: number, to: number) => {
    const out: number[] = [];
    for (let t = nextSlot(from, phaseOf(id, 10 * S, 50), 10 * S); t <= to; t += 10 * S) out.push(t);
    return out;
  };

  it('a removed check stops at once, in flight included, and the others miss no run', async () => {
    const clock = new SimulatedClock(T0);
    const list = checks(20);
    const { scheduler, planned, signals } = recording(list, clock, 3 * S);
    scheduler.start();
    await clock.advance(25 * S);
    const gone = list.slice(0, 10).map((c) => c.id);
    const inFlight = [...signals].filter(([id]) => gone.includes(id));
    const kept = [...signals].filter(([id]) => !gone.includes(id));
    expect(inFlight.length).toBeGreaterThan(0);
    expect(kept.length).toBeGreaterThan(0);
    const removed = scheduler.remove(gone);
    // Aborted at once (as STOPPED), not when the remove's promise is awaited; the others' runs go on.
    expect(inFlight.every(([, s]) => s.aborted && s.reason === STOPPED)).toBe(true);
    expect(kept.some(([, s]) => s.aborted)).toBe(false);
    await removed;
    const removedAt = clock.now();
    await clock.advance(30 * S);
    await scheduler.stop();
    for (const id of gone) expect(planned.get(id)!.every((at) => at <= removedAt)).toBe(true);
    for (const c of list.slice(10)) expect(planned.get(c.id), c.id).toEqual(grid(c.id, T0, T0 + 55 * S));
    expect(scheduler.size).toBe(10);
  });

  it('an added check runs at its phase from the next slot on, without initial_delay once started, and others are untouched', async () => {
    const clock = new SimulatedClock(T0);
    const list = checks(5, 10 * S, 60 * S);
    const { scheduler, planned } = recording(list, clock, 100);
    scheduler.start();
    await clock.advance(65 * S);
    const added = Array.from({ length: 5 }, (_, i) => ({ id: `added-${i}`, kind: 'http', intervalMs: 10 * S, initialDelayMs: 60 * S }));
    const addedAt = clock.now();
    scheduler.add(added);
    await clock.advance(40 * S);
    await scheduler.stop();
    for (const c of list) expect(planned.get(c.id), c.id).toEqual(grid(c.id, T0 + 60 * S, T0 + 105 * S));
    for (const c of added) expect(planned.get(c.id), c.id).toEqual(grid(c.id, addedAt, T0 + 105 * S));
    expect(scheduler.size).toBe(10);
  });

  it('a check removed and added again runs once per slot: the old plan does not come back', async () => {
    const clock = new SimulatedClock(T0);
    const list = checks(3);
    const { scheduler, planned } = recording(list, clock, 100);
    scheduler.start();
    await clock.advance(15 * S);
    await scheduler.remove(['check-0']);
    scheduler.add([list[0]!]);
    await clock.advance(30 * S);
    await scheduler.stop();
    expect(planned.get('check-0')).toEqual(grid('check-0', T0, T0 + 45 * S));
  });

  it('checks added before the start are planned by it', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler, planned } = recording(checks(2), clock, 100);
    scheduler.add([{ id: 'early', kind: 'http', intervalMs: 10 * S, initialDelayMs: 0 }]);
    await scheduler.prepare();
    scheduler.start();
    await clock.advance(20 * S);
    await scheduler.stop();
    expect(planned.get('early')).toEqual(grid('early', T0, T0 + 20 * S));
    expect(planned.get('check-1')).toEqual(grid('check-1', T0, T0 + 20 * S));
  });
});

describe('probes doing real work while a simulated clock moves', () => {
  /** Each run answers after `realMs` of real time, or times out at 5 simulated seconds. */
  function realWork(clock: SimulatedClock, realMs: number) {
    const outcomes: string[] = [];
    const scheduler = new CheckScheduler(checks(5), {
      clock,
      run: async (check, _planned, signal) => {
        const answer = new Promise<string>((r) => setTimeout(() => r('answered'), realMs));
        const timeout = clock.sleepUntil(clock.now() + 5 * S, signal).then(() => 'timed out', () => 'stopped');
        outcomes.push(`${check.id} ${await Promise.race([answer, timeout])}`);
      },
    });
    return { scheduler, outcomes };
  }

  it('a jump of the clock past the timeout times out a run still talking to its peer', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler, outcomes } = realWork(clock, 30);
    scheduler.start();
    await clock.advance(15 * S);
    expect(outcomes.filter((o) => o.endsWith('timed out')).length).toBe(5);
    await scheduler.stop();
  });

  it('settling after every timer lets each run answer before time moves past its timeout', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler, outcomes } = realWork(clock, 30);
    scheduler.start();
    await clock.advance(15 * S, async () => {
      expect(await scheduler.settled(2000)).toBe(true);
    });
    expect(new Set(outcomes.map((o) => o.split(' ')[0])).size).toBe(5);
    expect(outcomes.every((o) => o.endsWith('answered'))).toBe(true);
    expect(scheduler.inFlight).toBe(0);
    await scheduler.stop();
  });

  it('settled gives up after its real-time cap when a run outlasts it', async () => {
    const clock = new SimulatedClock(T0);
    const { scheduler } = realWork(clock, 500);
    scheduler.start();
    await clock.advance(10 * S - 1);
    expect(scheduler.inFlight).toBeGreaterThan(0);
    expect(await scheduler.settled(20)).toBe(false);
    expect(await scheduler.settled(2000)).toBe(true);
    await scheduler.stop();
  });
});
