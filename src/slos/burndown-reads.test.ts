/**
 * SLO reads over many spans (a burn-down's steps, a status's window and burn-rate windows) on SQLite
 * and PostgreSQL: the same answers as reading each span on its own — with minute, hour and day
 * rollups mixed by how far each is rolled — in a number of statements that does not grow with the
 * number of steps.
 */
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { describeOnStores } from '../../test/support/store-targets.js';
import { DAY, HOUR, MINUTE, arbRollupMarks, countingStore, fillRollups, setMarks } from '../../test/support/rollup-fill.js';
import { opsConfigSchema } from '../config/index.js';
import { RESOLUTION_MS, checkKeyOf, rollupMarks, sumRollups, valueMinutesOf, type Store } from '../store/index.js';
import { buildReport } from './report/index.js';
import { attainment, burnRate, eventsOf } from './sli.js';
import { budgetBurndown, sloStatus, type BudgetPoint } from './status.js';
import type { EventCounts, Slo } from './types.js';
import { floorMinute, windowAt } from './windows.js';

const END = Date.UTC(2026, 4, 20, 13, 37);
const CHECKS = ['api', 'web', 'db'];

// The reference: each span read on its own, as opsbook did before reads were batched ------------

type Piece = { resolution: 1 | 2 | 3; from: number; to: number };

function cover(from: number, to: number, marks: Map<number, number>, level: 1 | 2 | 3 = 3): Piece[] {
  const size = RESOLUTION_MS[level]!;
  const s = Math.ceil(from / size) * size;
  const e = Math.floor(Math.min(to, marks.get(level) ?? -Infinity) / size) * size;
  if (level === 1) return e > s ? [{ resolution: 1, from: s, to: e }] : [];
  if (s >= e) return cover(from, to, marks, (level - 1) as 1 | 2);
  return [...cover(from, s, marks, (level - 1) as 1 | 2), { resolution: level, from: s, to: e }, ...cover(e, to, marks, (level - 1) as 1 | 2)];
}

async function readEventsOneSpan(store: Store, slo: Slo, from: number, to: number): Promise<EventCounts> {
  from = floorMinute(from);
  to = floorMinute(to);
  const keys: number[] = [];
  for (const id of slo.checks) {
    const k = await checkKeyOf(store.db, id);
    if (k !== undefined) keys.push(k);
  }
  const out: EventCounts = { good: 0, total: 0 };
  if (to <= from || keys.length === 0) return out;
  if (slo.kind === 'error_ratio') {
    for (const m of await valueMinutesOf(store.db, keys, from, to)) {
      out.total += m.count;
      out.good += m.count - m.valueSum;
    }
    return out;
  }
  const marks = await rollupMarks(store.db);
  const pieces = cover(from, to, marks);
  for (const key of keys) {
    for (const p of pieces) {
      const e = eventsOf(slo, await sumRollups(store.db, key, p.resolution, p.from, p.to));
      out.good += e.good;
      out.total += e.total;
    }
  }
  return out;
}

async function burndownPerStep(store: Store, slo: Slo, from: number, to: number): Promise<{ points: BudgetPoint[]; events: EventCounts }> {
  from = floorMinute(from);
  to = floorMinute(to);
  const step = to - from <= 8 * DAY ? DAY / 24 : DAY;
  const steps: EventCounts[] = [];
  const bounds: number[] = [];
  for (let t = from; t < to && steps.length < 1000; t += step) {
    const end = Math.min(to, t + step);
    steps.push(await readEventsOneSpan(store, slo, t, end));
    bounds.push(end);
  }
  const events = steps.reduce((a, b) => ({ good: a.good + b.good, total: a.total + b.total }), { good: 0, total: 0 });
  const allowed = (1 - slo.objective) * events.total;
  const points: BudgetPoint[] = [{ at: from, remaining: 1 }];
  let bad = 0;
  steps.forEach((s, i) => {
    bad += s.total - s.good;
    points.push({ at: bounds[i]!, remaining: allowed > 0 ? 1 - bad / allowed : 1 });
  });
  return { points, events };
}

// -------------------------------------------------------------------------------------------------

function slo(kind: Slo['kind'], checks: string[], extra: Partial<Slo> = {}): Slo {
  return {
    id: `${kind}-${checks.join('-')}`,
    name: kind,
    kind,
    checks,
    objective: 0.99,
    ...(kind === 'latency' ? { thresholdMs: 180 } : {}),
    window: { kind: 'rolling', ms: 30 * DAY },
    alerts: [],
    severity: { page: 'P1', ticket: 'P3' },
    labels: {},
    ...extra,
  };
}

const arbSlo = fc
  .record({
    kind: fc.constantFrom<Slo['kind']>('availability', 'latency', 'error_ratio'),
    checks: fc.subarray([...CHECKS, 'never-ran'], { minLength: 1 }),
    thresholdMs: fc.constantFrom(7, 25, 180, 2600, 40_000),
    objective: fc.constantFrom(0.9, 0.99, 0.999),
  })
  .map((s) => slo(s.kind, s.kind === 'error_ratio' ? s.checks.slice(0, 1) : s.checks, { objective: s.objective, ...(s.kind === 'latency' ? { thresholdMs: s.thresholdMs } : {}) }));

const arbMarks = arbRollupMarks(END);

await describeOnStores('opsbook-slo-reads', 'SLO reads over many spans', { migrate: true }, (target) => {
  beforeAll(async () => {
    await fillRollups(target.store, { checks: CHECKS, end: END, days: 40, minuteDays: 8, density: 0.5, seed: 7 });
  });

  it('a burn-down has the points and events of reading each step on its own, whatever the marks, period and SLO', async () => {
    await fc.assert(
      fc.asyncProperty(
        arbSlo,
        arbMarks,
        fc.integer({ min: 0, max: 35 * 24 * 60 }),
        fc.constantFrom(3 * HOUR + 17 * MINUTE, 2 * DAY, 7 * DAY, 8 * DAY, 8 * DAY + MINUTE, 30 * DAY, 31 * DAY),
        async (s, marks, minutesBack, length) => {
          await setMarks(target.store, marks);
          const to = END - minutesBack * MINUTE + 29_000;
          const from = to - length;
          expect(await budgetBurndown(target.store, s, from, to)).toEqual(await burndownPerStep(target.store, s, from, to));
        },
      ),
      { numRuns: 30, seed: 4242 },
    );
  });

  it('a status has the events and burn rates of reading each window on its own', async () => {
    await fc.assert(
      fc.asyncProperty(arbSlo, arbMarks, fc.constantFrom(7 * DAY, 28 * DAY, 30 * DAY), async (s, marks, windowMs) => {
        await setMarks(target.store, marks);
        const withAlerts: Slo = {
          ...s,
          window: { kind: 'rolling', ms: windowMs },
          alerts: [
            { urgency: 'page', longMs: HOUR, shortMs: 5 * MINUTE, burnRate: 14.4 },
            { urgency: 'page', longMs: 6 * HOUR, shortMs: 30 * MINUTE, burnRate: 6 },
            { urgency: 'ticket', longMs: 3 * DAY, shortMs: 6 * HOUR, burnRate: 1 },
          ],
        };
        const status = await sloStatus(target.store, withAlerts, END - 11 * HOUR);
        const { from, to } = windowAt(withAlerts.window, END - 11 * HOUR);
        const events = await readEventsOneSpan(target.store, withAlerts, from, to);
        expect(status.events).toEqual(events);
        expect(status.attainment).toEqual(attainment(events));
        for (const [i, a] of withAlerts.alerts.entries()) {
          expect(status.burn[i]!.long).toEqual(burnRate(await readEventsOneSpan(target.store, withAlerts, to - a.longMs, to), withAlerts.objective));
          expect(status.burn[i]!.short).toEqual(burnRate(await readEventsOneSpan(target.store, withAlerts, to - a.shortMs, to), withAlerts.objective));
        }
      }),
      { numRuns: 15, seed: 99 },
    );
  });

  it('a report issues as many statements for 30 daily steps as for 168 hourly ones, a handful per SLO', async () => {
    await setMarks(target.store, { minute: END - 2 * MINUTE, hour: END - 2 * HOUR, day: END - 30 * HOUR });
    const config = opsConfigSchema.parse({
      checks: CHECKS.map((id) => ({ id, kind: 'tcp', host: '127.0.0.1', port: 1 })),
      slos: [
        { id: 'up', kind: 'availability', checks: CHECKS, objective: '99.9%' },
        { id: 'fast', kind: 'latency', checks: ['api'], threshold: '250ms', objective: '95%' },
      ],
    });
    const counting = countingStore(target.store);
    const count = async (fn: () => Promise<unknown>): Promise<number> => {
      counting.reset();
      await fn();
      return counting.statements();
    };
    const s = slo('availability', CHECKS);
    const twoDays = await count(() => budgetBurndown(counting.store, s, END - 2 * DAY, END));
    const eightDays = await count(() => budgetBurndown(counting.store, s, END - 8 * DAY, END));
    expect(eightDays).toBe(twoDays);
    expect(eightDays).toBeLessThanOrEqual(3);
    const week = await count(() => buildReport(counting.store, config, '7d', END));
    const month = await count(() => buildReport(counting.store, config, '30d', END));
    expect({ week, month }).toEqual({ week: month, month });
    // Per step before: 336 statements for 2 days, 1344 for 8; the reports 1854 (7d) and 714 (30d).
    expect(month).toBeLessThanOrEqual(16);
  });
});
