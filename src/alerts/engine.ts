import type { CheckResult, StoredCheckState } from '../checks/types.js';
import type { Clock } from '../lib/clock.js';
import type { Transaction } from 'kysely';
import { deleteAlertSeries, isStoreFull, loadAlertSeries, saveAlertSeries, writeAlertSeries, type AlertSeriesRow, type Database, type Store } from '../store/index.js';
import { RuleEvaluator } from './evaluator.js';
import type { AlertEvent, AlertRule, CheckInfo, SeriesState } from './types.js';

/**
 * The rule evaluator with its state in the store: every call persists the series it changed before
 * returning the events, so a restarted process resumes pending `for:` waits and `keep_firing_for`
 * windows where they stood (a healthy series' latest value alone is not a change worth a write).
 * One engine per process; calls are serialised.
 */
export interface AlertEngineOptions {
  /**
   * Delete the stored state of series whose rule is gone (default true). A process that runs only
   * some checks' rules (several processes on one PostgreSQL) keeps the others' state.
   */
  prune?: boolean;
  /** Called in the transaction that saves series state, before it writes (fencing). */
  fence?: (trx: Transaction<Database>) => Promise<void>;
}

/**
 * What the caller does with a call's events, in a transaction of its own that also saves the series
 * state through `saveSeries`; resolves once that transaction has committed, rejects when it did not.
 * A series saved `firing` without the incident its event opens would never fire again (events come
 * from transitions), so the state and what it caused commit together or not at all.
 */
export type CommitEvents = (events: AlertEvent[], saveSeries: (trx: Transaction<Database>) => Promise<void>) => Promise<void>;

export class AlertEngine {
  private queue: Promise<unknown> = Promise.resolve();
  /** Series changed while the store could not write (disk full), saved with the next call that can. */
  private unsaved = new Map<string, SeriesState>();

  private constructor(
    private readonly store: Store,
    private evaluator: RuleEvaluator,
    private readonly clock: Clock,
    private readonly options: AlertEngineOptions = {},
  ) {}

  static async open(store: Store, clock: Clock, rules: readonly AlertRule[], checks: ReadonlyMap<string, CheckInfo>, options: AlertEngineOptions = {}): Promise<AlertEngine> {
    const saved = (await loadAlertSeries(store.db)).map((r) => JSON.parse(r.data) as SeriesState);
    const evaluator = new RuleEvaluator(rules, clock, checks, saved);
    if (options.prune !== false) await deleteAlertSeries(store.db, evaluator.removedSeries());
    return new AlertEngine(store, evaluator, clock, options);
  }

  /** Swaps in reloaded rules, keeping the state of series whose rule still exists. */
  reload(rules: readonly AlertRule[], checks: ReadonlyMap<string, CheckInfo>): Promise<void> {
    return this.serial(async () => {
      const evaluator = new RuleEvaluator(rules, this.clock, checks, this.evaluator.states());
      if (this.options.prune !== false) await deleteAlertSeries(this.store.db, evaluator.removedSeries());
      this.evaluator = evaluator;
    });
  }

  /**
   * Swaps in the rules of the partitions held now (several processes on one PostgreSQL). Series of
   * the rules in `gained` (those of partitions just gained, or gained back: another process may have
   * changed them meanwhile), and of rules it did not have, are read from the store; the others keep
   * their state in memory, and those of rules no longer held are dropped from it (their state in the
   * store is left to the next owner), changes not saved yet included.
   */
  move(rules: readonly AlertRule[], checks: ReadonlyMap<string, CheckInfo>, gained: ReadonlySet<string>): Promise<void> {
    return this.serial(async () => {
      const held = new Set(rules.map((r) => r.id));
      const fromStore = new Set(rules.filter((r) => gained.has(r.id) || !this.evaluator.hasRule(r.id)).map((r) => r.id));
      const loaded = fromStore.size > 0 ? await loadAlertSeries(this.store.db, [...fromStore]) : [];
      const kept = this.evaluator.states().filter((s) => held.has(s.ruleId) && !fromStore.has(s.ruleId));
      this.evaluator = new RuleEvaluator(rules, this.clock, checks, [...kept, ...loaded.map((r) => JSON.parse(r.data) as SeriesState)]);
      for (const [key, s] of this.unsaved) if (!held.has(s.ruleId) || fromStore.has(s.ruleId)) this.unsaved.delete(key);
    });
  }

  /** Without `commit`, the series state is saved before the events are answered; with it, see CommitEvents. */
  onCheckResult(result: CheckResult, commit?: CommitEvents): Promise<AlertEvent[]> {
    return this.serial(async () => this.persist(this.evaluator.onCheckResult(result), commit));
  }

  /** A check's stored settled state, for its rules that never saw it (see RuleEvaluator.onStoredState); `commit` as for onCheckResult. */
  onStoredState(stored: StoredCheckState, commit?: CommitEvents): Promise<AlertEvent[]> {
    return this.serial(async () => this.persist(this.evaluator.onStoredState(stored), commit));
  }

  /**
   * Runs due timers; call at `nextDueAt()`. `only`: the timers of these rules alone, and only their
   * state is written (several processes on one PostgreSQL: one call per lease, fenced by it).
   */
  tick(commit?: CommitEvents, only?: (ruleId: string) => boolean): Promise<AlertEvent[]> {
    return this.serial(async () => this.persist(this.evaluator.tick(only), commit, only));
  }

  /** The earliest due timer (of the rules `only` keeps). */
  nextDueAt(only?: (ruleId: string) => boolean): number | undefined {
    return this.evaluator.nextDueAt(only);
  }

  /** The rules whose timers have fallen due. */
  dueRules(): Set<string> {
    return this.evaluator.dueRules();
  }

  states(): SeriesState[] {
    return this.evaluator.states();
  }

  /**
   * Saves the changed series, then answers the events. A store that cannot write for lack of space
   * does not swallow the events: pages matter more than history, so the state stays in memory and
   * is saved by the first call after space returns (`flush`).
   */
  private async persist(events: AlertEvent[], commit?: CommitEvents, only?: (ruleId: string) => boolean): Promise<AlertEvent[]> {
    const taken = this.evaluator.takeChanged();
    const previous = new Map(taken.map((s) => [s.seriesKey, this.unsaved.get(s.seriesKey)]));
    for (const s of taken) this.unsaved.set(s.seriesKey, s);
    try {
      if (commit && events.length > 0) {
        const changed = this.unsavedOf(only);
        let saved = false;
        await commit(events, async (trx) => {
          await this.options.fence?.(trx);
          await writeAlertSeries(trx, changed.map(seriesRow));
          saved = true;
        });
        if (saved) {
          this.forgetSaved(changed);
          this.evaluator.settle();
          return events;
        }
      }
      await this.save(only);
      this.evaluator.settle();
      return events;
    } catch (e) {
      // A full store keeps the state in memory, saved by a later call (see above). Anything else
      // (fencing, a lost connection) left nothing of this call in the store: the evaluator forgets
      // it too, so the same input fires again rather than being taken as already fired.
      if (isStoreFull(e)) {
        this.evaluator.settle();
        if (commit && events.length > 0) throw e;
        return events;
      }
      this.evaluator.revert();
      for (const [key, s] of previous) {
        if (s) this.unsaved.set(key, s);
        else this.unsaved.delete(key);
      }
      throw e;
    }
  }

  /** Writes the series state not saved yet (a store that was full); throws when it still cannot. */
  flush(): Promise<void> {
    return this.serial(() => this.save());
  }

  private async save(only?: (ruleId: string) => boolean): Promise<void> {
    const changed = this.unsavedOf(only);
    if (changed.length === 0) return;
    await saveAlertSeries(this.store.db, changed.map(seriesRow), this.options.fence);
    this.forgetSaved(changed);
  }

  private unsavedOf(only: ((ruleId: string) => boolean) | undefined): SeriesState[] {
    const all = [...this.unsaved.values()];
    return only ? all.filter((s) => only(s.ruleId)) : all;
  }

  /** Series written: no longer unsaved, unless a newer state of one came meanwhile. */
  private forgetSaved(changed: readonly SeriesState[]): void {
    for (const s of changed) if (this.unsaved.get(s.seriesKey) === s) this.unsaved.delete(s.seriesKey);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function seriesRow(s: SeriesState): AlertSeriesRow {
  return { series_key: s.seriesKey, rule_id: s.ruleId, state: s.state, data: JSON.stringify(s), updated_at: s.updatedAt };
}
