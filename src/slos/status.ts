import type { Store } from '../store/index.js';
import type { BurnReading } from './evaluator.js';
import { attainment, burnRate, readEventsOver, type SliReads } from './sli.js';
import type { EventCounts, Slo } from './types.js';
import { DAY, floorMinute, windowAt } from './windows.js';

/** Where an SLO stands over its own window. */
export interface SloStatus {
  id: string;
  name: string;
  kind: Slo['kind'];
  objective: number;
  from: number;
  to: number;
  events: EventCounts;
  /** Share of good events; undefined when nothing was measured. */
  attainment: number | undefined;
  met: boolean | undefined;
  budget: ErrorBudget;
  burn: BurnReading[];
}

export interface ErrorBudget {
  /** Bad events the objective allows over the events seen. */
  allowedBad: number;
  bad: number;
  /** 1 = untouched, 0 = spent, below 0 = overspent. */
  remaining: number;
}

export function errorBudget(e: EventCounts, objective: number): ErrorBudget {
  const allowedBad = (1 - objective) * e.total;
  const bad = e.total - e.good;
  return { allowedBad, bad, remaining: allowedBad > 0 ? 1 - bad / allowedBad : 1 };
}

/** Attainment, budget and current burn rates of an SLO over its window ending at `now`. */
export async function sloStatus(store: Store, slo: Slo, now: number, reads: SliReads = {}): Promise<SloStatus> {
  const { from, to } = windowAt(slo.window, now);
  const spans = [{ from, to }, ...slo.alerts.flatMap((a) => [{ from: to - a.longMs, to }, { from: to - a.shortMs, to }])];
  const read = await readEventsOver(store, slo, spans, reads);
  const events = read[0]!;
  const a = attainment(events);
  const burn: BurnReading[] = [];
  for (const [i, alert] of slo.alerts.entries()) {
    const long = burnRate(read[1 + 2 * i]!, slo.objective);
    const short = burnRate(read[2 + 2 * i]!, slo.objective);
    burn.push({ urgency: alert.urgency, longMs: alert.longMs, shortMs: alert.shortMs, threshold: alert.burnRate, long, short, holds: long > alert.burnRate && short > alert.burnRate });
  }
  return { id: slo.id, name: slo.name, kind: slo.kind, objective: slo.objective, from, to, events, attainment: a, met: a === undefined ? undefined : a >= slo.objective, budget: errorBudget(events, slo.objective), burn };
}

/** One point of a budget burn-down: the share of the period's budget left at `at`. */
export interface BudgetPoint {
  at: number;
  remaining: number;
}

/**
 * The error budget of [from, to) burning down: the budget is what the objective allows over all
 * events of the period, and each point subtracts the bad events up to it. Steps are hours for a
 * period up to 8 days, days beyond.
 */
export async function budgetBurndown(store: Store, slo: Slo, from: number, to: number, reads: SliReads = {}): Promise<{ points: BudgetPoint[]; events: EventCounts }> {
  from = floorMinute(from);
  to = floorMinute(to);
  const step = to - from <= 8 * DAY ? DAY / 24 : DAY;
  const spans: { from: number; to: number }[] = [];
  for (let t = from; t < to && spans.length < 1000; t += step) spans.push({ from: t, to: Math.min(to, t + step) });
  const bounds = spans.map((s) => s.to);
  // All steps in one read: the statements do not grow with the steps.
  const steps = await readEventsOver(store, slo, spans, reads);
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
