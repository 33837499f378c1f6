import type { Kysely } from 'kysely';
import { seriesKey, type AlertEvent, type CommitEvents } from '../alerts/index.js';
import type { Clock } from '../lib/clock.js';
import { formatDuration } from '../lib/duration.js';
import { deleteSloAlert, listSloAlerts, rollupMarks, saveSloAlert, type Database, type Store } from '../store/index.js';
import { MinuteSeries } from './minute-series.js';
import { burnRate, checkKeysOf, readMinutes } from './sli.js';
import type { Slo, Urgency } from './types.js';
import { rollErrorRatioValues } from './values.js';
import { DAY, MINUTE, floorMinute, nominalWindowMs } from './windows.js';

/** What one tick reads once for all its SLOs. */
interface TickReads {
  marks?: Map<number, number>;
  valuesTo?: number | undefined;
}

interface Tracked {
  slo: Slo;
  series: MinuteSeries;
  keys: number[] | undefined;
  evaluatedTo: number | undefined;
  longestMs: number;
}

/**
 * An alert that starts or stops: its event, the write of the stored firing series that goes with it,
 * and the change to the evaluator's memory, made once that write has committed.
 */
interface Change {
  event: AlertEvent;
  write: (db: Kysely<Database>) => Promise<void>;
  remember: () => void;
}

/** Records a change (see `tick`); throws when it could not be, the memory then unchanged. */
type RecordChange = (change: Change) => Promise<void>;

/** What one urgency of one SLO shows at an instant: the burn rates of each of its alerts. */
export interface BurnReading {
  urgency: Urgency;
  longMs: number;
  shortMs: number;
  threshold: number;
  long: number;
  short: number;
  holds: boolean;
}

export function sloRuleId(sloId: string): string {
  return `slo:${sloId}`;
}

/**
 * Multi-window, multi-burn-rate alerts over SLOs. Call `tick(now)` at `nextDueAt()`: each minute
 * that check rollups have closed is read once into a per-minute series, every alert's long and
 * short window is evaluated at the minute boundary, and the alerts that start or stop are returned
 * as `AlertEvent`s for the incident engine. Firing series are kept in the store, so after a
 * restart an alert that stopped burning is resolved rather than forgotten.
 */
export class SloEvaluator {
  private tracked: Tracked[];
  private firing = new Map<string, number>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Without an `onError`: the first error of the last tick, handed out once. */
  private firstError: () => Error | undefined = () => undefined;

  private constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    slos: readonly Slo[],
    private readonly onError: (sloId: string, error: Error) => void,
  ) {
    this.tracked = slos.filter((s) => s.alerts.length > 0).map((slo) => this.track(slo));
  }

  /**
   * `onError`: an SLO whose evaluation failed (a store error reading its minutes or writing its
   * alert); the others go on, and its alert's change is tried again at the next tick. Without it, a
   * tick that meets an error rejects once every SLO was evaluated.
   */
  static async open(store: Store, clock: Clock, slos: readonly Slo[], onError?: (sloId: string, error: Error) => void): Promise<SloEvaluator> {
    let first: Error | undefined;
    const e = new SloEvaluator(store, clock, slos, onError ?? ((_id, err) => void (first ??= err)));
    e.firstError = () => {
      const err = first;
      first = undefined;
      return err;
    };
    for (const r of await listSloAlerts(store.db)) e.firing.set(r.series_key, r.firing_since);
    return e;
  }

  /** Swaps in reloaded SLOs; a series whose SLO is gone is resolved at the next tick. */
  reload(slos: readonly Slo[]): void {
    const old = new Map(this.tracked.map((t) => [t.slo.id, t]));
    this.tracked = slos.filter((s) => s.alerts.length > 0).map((slo) => {
      const prev = old.get(slo.id);
      return prev && JSON.stringify(prev.slo) === JSON.stringify(slo) ? prev : this.track(slo);
    });
  }

  /** Next minute boundary: rollups close a minute at a time. */
  nextDueAt(): number | undefined {
    return this.tracked.length > 0 || this.firing.size > 0 ? floorMinute(this.clock.now()) + MINUTE : undefined;
  }

  /**
   * Evaluates every SLO's alerts at `now` (default the clock's); answers the alerts that started or
   * stopped. With `commit` (the daemon's incident pipeline), each one goes through it with the stored
   * firing series in the same transaction: a process killed (or a store refusing the incident) between
   * the two leaves neither, and the next evaluation fires it again — a series stored `firing` alone
   * would never page, as alerts come from transitions. Without it, the series is stored first and the
   * caller handles the events.
   */
  tick(now = this.clock.now(), commit?: CommitEvents): Promise<AlertEvent[]> {
    const run = this.queue.then(async () => {
      const events = await this.evaluate(now, commit);
      const err = this.firstError();
      if (err) throw err;
      return events;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Current burn rates of one SLO's alerts, as of the last tick. */
  readings(sloId: string): BurnReading[] {
    const t = this.tracked.find((x) => x.slo.id === sloId);
    return t?.evaluatedTo === undefined ? [] : readingsAt(t.slo, t.series, t.evaluatedTo);
  }

  private track(slo: Slo): Tracked {
    const longestMs = Math.max(...slo.alerts.map((a) => a.longMs));
    return { slo, series: new MinuteSeries(longestMs + DAY), keys: undefined, evaluatedTo: undefined, longestMs };
  }

  private async evaluate(now: number, commit: CommitEvents | undefined): Promise<AlertEvent[]> {
    const events: AlertEvent[] = [];
    const record: RecordChange = async (c) => {
      if (commit) await commit([c.event], (trx) => c.write(trx));
      else await c.write(this.store.db);
      c.remember();
      events.push(c.event);
    };
    const wanted = floorMinute(now);
    const reads: TickReads = {};
    const live = new Set<string>();
    for (const t of this.tracked) {
      try {
        await this.evaluateOne(t, now, wanted, reads, live, record);
      } catch (err) {
        // Its series stay live: a firing alert is not resolved for an error.
        for (const urgency of ['page', 'ticket'] as const) live.add(this.seriesKeyOf(t.slo, urgency));
        this.onError(t.slo.id, err as Error);
      }
    }
    // An SLO (or its alerts of one urgency) removed from the config: its firing alert ends now.
    for (const [key] of this.firing) {
      if (live.has(key)) continue;
      const ruleId = key.slice(0, key.indexOf('{'));
      try {
        await record({
          event: { kind: 'resolved', ruleId, dedupKey: key, labels: {}, annotations: { summary: `${ruleId} is no longer configured` }, severity: 'P4', at: wanted },
          write: (db) => deleteSloAlert(db, key),
          remember: () => this.firing.delete(key),
        });
      } catch (err) {
        this.onError(ruleId, err as Error);
      }
    }
    return events;
  }

  /**
   * One SLO's alerts at `wanted`, their starts and stops recorded through `record`. A change is kept
   * in memory only once the store has it, so one whose write failed is found again at the next tick.
   */
  private async evaluateOne(t: Tracked, now: number, wanted: number, reads: TickReads, live: Set<string>, record: RecordChange): Promise<void> {
    const loadedTo = t.series.loadedTo;
    if (loadedTo === undefined || loadedTo < wanted) {
      reads.marks ??= await rollupMarks(this.store.db);
      if (t.slo.kind === 'error_ratio') reads.valuesTo ??= await rollErrorRatioValues(this.store, this.tracked.map((x) => x.slo), now);
      const closed = t.slo.kind === 'error_ratio' ? reads.valuesTo : reads.marks.get(1);
      t.keys ??= await checkKeysOf(this.store, t.slo.checks);
      if (t.keys.length < t.slo.checks.length) t.keys = await checkKeysOf(this.store, t.slo.checks);
      if (closed !== undefined) {
        // Rolled minutes never change, so everything closed is read, even past `now`.
        t.series.startAt(Math.min(closed, wanted) - t.longestMs);
        const from = t.series.loadedTo!;
        if (closed > from) t.series.append(await readMinutes(this.store, t.slo, t.keys, from, closed), closed);
      }
    }
    const end = Math.min(wanted, t.series.loadedTo ?? -Infinity);
    for (const urgency of ['page', 'ticket'] as const) {
      const key = this.seriesKeyOf(t.slo, urgency);
      if (!t.slo.alerts.some((a) => a.urgency === urgency)) continue;
      live.add(key);
      if (!Number.isFinite(end) || end === t.evaluatedTo) continue;
      const readings = readingsAt(t.slo, t.series, end).filter((r) => r.urgency === urgency);
      const holding = readings.filter((r) => r.holds);
      const since = this.firing.get(key);
      if (holding.length > 0 && since === undefined) {
        await record({
          event: this.event('firing', t.slo, urgency, end, holding),
          write: (db) => saveSloAlert(db, { series_key: key, slo_id: t.slo.id, urgency, firing_since: end, updated_at: now }),
          remember: () => this.firing.set(key, end),
        });
      } else if (holding.length === 0 && since !== undefined) {
        await record({ event: this.event('resolved', t.slo, urgency, end, readings), write: (db) => deleteSloAlert(db, key), remember: () => this.firing.delete(key) });
      }
    }
    if (Number.isFinite(end)) {
      t.evaluatedTo = end;
      t.series.trim(end);
    }
  }

  private labelsOf(slo: Slo, urgency: Urgency): Record<string, string> {
    return { ...slo.labels, ...(slo.service ? { service: slo.service } : {}), slo: slo.id, urgency };
  }

  private seriesKeyOf(slo: Slo, urgency: Urgency): string {
    return seriesKey(sloRuleId(slo.id), this.labelsOf(slo, urgency));
  }

  private event(kind: 'firing' | 'resolved', slo: Slo, urgency: Urgency, at: number, readings: BurnReading[]): AlertEvent {
    const top = readings.reduce((a, b) => (b.long / b.threshold > a.long / a.threshold ? b : a), readings[0]!);
    const share = (top.threshold * top.longMs) / nominalWindowMs(slo.window);
    const text =
      kind === 'firing'
        ? `${slo.name}: error budget burning ${top.long.toFixed(1)}× over ${formatDuration(top.longMs)} and ${top.short.toFixed(1)}× over ${formatDuration(top.shortMs)} (alert at ${top.threshold}×: ${(share * 100).toFixed(0)}% of the budget in ${formatDuration(top.longMs)})`
        : `${slo.name}: error budget no longer burning fast (${top.long.toFixed(1)}× over ${formatDuration(top.longMs)})`;
    const labels = this.labelsOf(slo, urgency);
    return {
      kind,
      ruleId: sloRuleId(slo.id),
      dedupKey: seriesKey(sloRuleId(slo.id), labels),
      labels,
      annotations: { summary: text, objective: `${(slo.objective * 100).toFixed(3).replace(/\.?0+$/, '')}%` },
      severity: slo.severity[urgency],
      ...(slo.runbook ? { runbook: slo.runbook } : {}),
      value: Number(top.long.toFixed(3)),
      at,
    };
  }
}

/** Burn rates of every alert of an SLO over windows ending at `end`. */
export function readingsAt(slo: Slo, series: MinuteSeries, end: number): BurnReading[] {
  return slo.alerts.map((a) => {
    const long = burnRate(series.sum(end - a.longMs, end), slo.objective);
    const short = burnRate(series.sum(end - a.shortMs, end), slo.objective);
    return { urgency: a.urgency, longMs: a.longMs, shortMs: a.shortMs, threshold: a.burnRate, long, short, holds: long > a.burnRate && short > a.burnRate };
  });
}
