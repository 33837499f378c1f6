import type { Clock } from '../../lib/clock.js';
import { Engine, isSeriesSink, labelsKey, type SeriesSink, type SeriesSource } from '../../promql/index.js';
import { deleteRuleAlertsExcept, loadRuleAlerts, replaceRuleAlerts, replaceRuleAlertsIn, type RuleAlertRow, type Store } from '../../store/index.js';
import type { CommitEvents } from '../engine.js';
import { runbookOf, severityFromLabel } from '../ingest/alertmanager.js';
import { seriesKey } from '../series.js';
import type { AlertEvent } from '../types.js';
import { groupKey } from './configured.js';
import { RuleGroupRunner, type RuleAlert } from './evaluate.js';
import type { AlertingRuleSpec, RuleFileAlertSettings, RuleGroupSpec } from './model.js';

export interface RuleFileEngineOptions {
  store: Store;
  clock: Clock;
  /** Where rule expressions read samples; when it is also a `SeriesSink`, recording rules and ALERTS are written back to it. */
  source: SeriesSource;
  groups: readonly RuleGroupSpec[];
  /** ms: the interval of a group that states none (`rule_files.evaluation_interval`). */
  defaultInterval: number;
  /** Severity ids from most to least severe, read at each evaluation (a reload may change them). */
  ladder: () => readonly string[];
  /** The local procedure (`FILE#ID`) a runbook annotation names, as the Alertmanager ingest resolves it. */
  resolveRunbook?: (link: string, labels: Readonly<Record<string, string>>) => string | undefined;
  /** Severity and runbook per alert name (`rule_files.alerts`), read at each event (a reload may change them). */
  settings?: () => Readonly<Record<string, RuleFileAlertSettings>>;
  /** `$externalURL` in templates (the daemon's public URL). */
  externalURL?: () => string;
  /** A group whose evaluation failed (the others go on). */
  onError?: (group: RuleGroupSpec, error: Error) => void;
  /**
   * A group's alert state could not be stored (a store error). Its events are returned all the same
   * (the incident engine must hear of an alert that started firing); the state is written again,
   * whole, at the group's next evaluation.
   */
  onStoreError?: (group: RuleGroupSpec, error: Error) => void;
  /** The resolutions of alerts whose rule is gone could not go through the pipeline (tried again at the next tick). */
  onOrphanError?: (error: Error) => void;
}

/** Rule outputs go nowhere when the source cannot take them. */
const DISCARD: SeriesSink = { add: () => undefined };

interface ScheduledGroup {
  key: string;
  runner: RuleGroupRunner;
  interval: number;
  /** Next evaluation instant, aligned to the interval. */
  due: number;
  /** Alert events of its evaluations that could not go through the pipeline: handed in with its next ones. */
  unsent: AlertEvent[];
}

/**
 * Prometheus rule groups evaluated on the daemon's clock, each on its interval, with the alerts'
 * state (`for:`, `keep_firing_for`) in the store: a restarted process resumes pending alerts where
 * they stood. Alerts that start or stop firing come out as `AlertEvent`s for the incident engine.
 */
export class RuleFileEngine {
  private groups: ScheduledGroup[] = [];
  private readonly engine: Engine;
  private readonly sink: SeriesSink;
  private queue: Promise<unknown> = Promise.resolve();
  /** Resolutions of alerts stored as firing whose rule is no longer configured, handed out by the first tick. */
  private orphaned: AlertEvent[] = [];

  private constructor(private readonly options: RuleFileEngineOptions) {
    this.engine = new Engine(options.source);
    this.sink = isSeriesSink(options.source) ? options.source : DISCARD;
  }

  static async open(options: RuleFileEngineOptions): Promise<RuleFileEngine> {
    const engine = new RuleFileEngine(options);
    engine.groups = engine.schedule(options.groups, options.defaultInterval, new Map());
    const rows = await loadRuleAlerts(options.store.db);
    for (const g of engine.groups) restore(g.runner, rows.filter((r) => r.group_key === g.key));
    // A rule removed while the process was down leaves no evaluation to resolve its firing alerts: resolve them now.
    const known = new Set(engine.groups.flatMap((g) => [...g.runner.active.keys()].map((r) => `${g.key}\u0000${r.name}`)));
    for (const row of rows) {
      if (row.state !== 'firing' || known.has(`${row.group_key}\u0000${row.rule}`)) continue;
      const alert = { labels: JSON.parse(row.labels) as Record<string, string>, annotations: JSON.parse(row.annotations) as Record<string, string>, state: 'inactive' as const, activeAt: Number(row.active_at), value: row.value ?? Number.NaN };
      engine.orphaned.push(engine.event('resolved', { name: row.rule }, alert, options.clock.now()));
    }
    await deleteRuleAlertsExcept(options.store.db, engine.groups.map((g) => g.key));
    return engine;
  }

  /** When the next group is due; undefined when there are none. */
  nextDueAt(): number | undefined {
    return this.groups.length === 0 ? undefined : Math.min(...this.groups.map((g) => g.due));
  }

  /**
   * Evaluates every group that is due (once, at its latest due instant), persists their alerts, and
   * returns what changed. With `commit` (the daemon's incident pipeline), each group's alert events
   * go through it with the group's stored alerts in the same transaction: a process killed between
   * the two leaves neither, and the next process fires them again — stored `firing` alone, an alert
   * would never page (alerts come from transitions). Pages matter more than that state: when the
   * transaction fails, the events go through alone (the state is written at the next evaluation),
   * and events that could not go through at all are handed in again with the group's next ones.
   */
  tick(commit?: CommitEvents): Promise<AlertEvent[]> {
    return this.serial(async () => {
      const now = this.options.clock.now();
      const events: AlertEvent[] = [];
      const orphaned = this.orphaned.splice(0);
      if (orphaned.length > 0) {
        if (!commit) events.push(...orphaned);
        else if (await this.deliver(commit, orphaned, undefined)) events.push(...orphaned);
        else this.orphaned.unshift(...orphaned);
      }
      for (const g of this.groups) {
        if (g.due > now) continue;
        const ts = g.due + Math.floor((now - g.due) / g.interval) * g.interval;
        g.due = ts + g.interval;
        const before = firingKeys(g.runner);
        try {
          const externalURL = this.options.externalURL?.();
          g.runner.evaluate({ engine: this.engine, sink: this.sink, ...(externalURL !== undefined ? { externalURL } : {}) }, ts);
        } catch (err) {
          this.options.onError?.(g.runner.group, err as Error);
        }
        const changed = [...g.unsent.splice(0), ...this.changes(g.runner, before, ts)];
        const stored = rows(g.runner, g.key, now);
        // Nothing changed (a `for:` wait going on, or nothing firing): only the state is written.
        if (commit && changed.length > 0) {
          if (await this.deliver(commit, changed, (trx) => replaceRuleAlertsIn(trx, g.key, stored), g)) events.push(...changed);
          else g.unsent.push(...changed);
          continue;
        }
        events.push(...changed);
        try {
          await replaceRuleAlerts(this.options.store.db, g.key, stored);
        } catch (err) {
          this.options.onStoreError?.(g.runner.group, err as Error);
        }
      }
      return events;
    });
  }

  /**
   * Commits `events` with `save` (a group's stored alerts) in one transaction; when that fails, the
   * events alone. Answers whether the events went through.
   */
  private async deliver(commit: CommitEvents, events: AlertEvent[], save: Parameters<CommitEvents>[1] | undefined, g?: ScheduledGroup): Promise<boolean> {
    if (save) {
      try {
        await commit(events, save);
        return true;
      } catch (err) {
        if (g) this.options.onStoreError?.(g.runner.group, err as Error);
      }
    }
    if (events.length === 0) return true;
    try {
      await commit(events, async () => {});
      return true;
    } catch (err) {
      if (g) this.options.onStoreError?.(g.runner.group, err as Error);
      else this.options.onOrphanError?.(err as Error);
      return false;
    }
  }

  /**
   * Swaps in reloaded groups. A rule whose group (file and name), alert name and expression are
   * unchanged keeps its alerts and their `for:` progress; the others start afresh. Returns the
   * resolution of every firing alert whose rule is gone or changed, so no incident is left open.
   */
  reload(groups: readonly RuleGroupSpec[], defaultInterval: number): Promise<AlertEvent[]> {
    return this.serial(async () => {
      const now = this.options.clock.now();
      const old = new Map(this.groups.map((g) => [g.key, g]));
      this.groups = this.schedule(groups, defaultInterval, old);
      const carried = new Set<AlertingRuleSpec>();
      for (const g of this.groups) {
        const previous = old.get(g.key);
        if (!previous) continue;
        for (const rule of g.runner.active.keys()) {
          const same = [...previous.runner.active.keys()].find((r) => r.name === rule.name && r.exprText === rule.exprText);
          if (!same) continue;
          g.runner.active.set(rule, previous.runner.active.get(same)!);
          carried.add(same);
        }
      }
      const events: AlertEvent[] = [];
      for (const g of old.values()) {
        for (const [rule, alerts] of g.runner.active) {
          if (carried.has(rule)) continue;
          for (const a of alerts.values()) if (a.state === 'firing') events.push(this.event('resolved', rule, a, now));
        }
      }
      await deleteRuleAlertsExcept(this.options.store.db, this.groups.map((g) => g.key));
      for (const g of this.groups) await replaceRuleAlerts(this.options.store.db, g.key, rows(g.runner, g.key, now));
      return events;
    });
  }

  /** Every alert of every group, pending or firing (for display). */
  alerts(): { group: string; rule: string; alert: RuleAlert }[] {
    return this.groups.flatMap((g) =>
      [...g.runner.active].flatMap(([rule, alerts]) => [...alerts.values()].filter((a) => a.state !== 'inactive').map((alert) => ({ group: g.key, rule: rule.name, alert }))),
    );
  }

  private schedule(groups: readonly RuleGroupSpec[], defaultInterval: number, old: Map<string, ScheduledGroup>): ScheduledGroup[] {
    const now = this.options.clock.now();
    return groups.map((group) => {
      const key = groupKey(group);
      const interval = group.interval && group.interval > 0 ? group.interval : defaultInterval;
      const kept = old.get(key);
      // Evaluations fall on multiples of the interval, so a restart or reload keeps the group's rhythm.
      const due = kept && kept.interval === interval ? kept.due : Math.ceil(now / interval) * interval;
      return { key, runner: new RuleGroupRunner(group), interval, due, unsent: [] };
    });
  }

  private changes(runner: RuleGroupRunner, before: Set<string>, ts: number): AlertEvent[] {
    const events: AlertEvent[] = [];
    for (const [rule, alerts] of runner.active) {
      for (const [key, a] of alerts) {
        const id = `${rule.name}\u0000${key}`;
        if (a.state === 'firing' && !before.has(id)) events.push(this.event('firing', rule, a, a.firedAt ?? ts));
        else if (a.state !== 'firing' && before.has(id)) events.push(this.event('resolved', rule, a, a.resolvedAt ?? ts));
      }
    }
    return events;
  }

  private event(kind: 'firing' | 'resolved', rule: Pick<AlertingRuleSpec, 'name'>, a: RuleAlert, at: number): AlertEvent {
    const id = ruleId(rule);
    // The config's word on this alert name comes before the rule's labels and annotations.
    const configured = this.options.settings?.() ?? {};
    const settings = Object.hasOwn(configured, rule.name) ? configured[rule.name] : undefined;
    const resolve = this.options.resolveRunbook ? { resolveRunbook: this.options.resolveRunbook } : {};
    const runbook = settings?.runbook ? runbookOf({ runbook: settings.runbook }, a.labels, resolve) : runbookOf(a.annotations, a.labels, resolve);
    return {
      kind,
      ruleId: id,
      dedupKey: seriesKey(id, a.labels),
      labels: { ...a.labels },
      annotations: { ...a.annotations, ...(a.annotations.summary ? {} : { summary: rule.name }) },
      severity: settings?.severity ?? severityFromLabel(a.labels.severity, this.options.ladder()),
      ...(runbook ? { runbook } : {}),
      value: a.value,
      at,
    };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

/** The rule id of a rule-file alert: its alerts join one incident per label set, as Alertmanager groups them. */
export function ruleId(rule: Pick<AlertingRuleSpec, 'name'>): string {
  return `rule_files:${rule.name}`;
}

function firingKeys(runner: RuleGroupRunner): Set<string> {
  const out = new Set<string>();
  for (const [rule, alerts] of runner.active) for (const [key, a] of alerts) if (a.state === 'firing') out.add(`${rule.name}\u0000${key}`);
  return out;
}

function rows(runner: RuleGroupRunner, key: string, now: number): RuleAlertRow[] {
  const out: RuleAlertRow[] = [];
  for (const [rule, alerts] of runner.active) {
    for (const a of alerts.values()) {
      out.push({
        group_key: key,
        rule: rule.name,
        labels_key: seriesKey('', a.labels),
        state: a.state,
        labels: JSON.stringify(a.labels),
        annotations: JSON.stringify(a.annotations),
        value: Number.isFinite(a.value) ? a.value : null,
        active_at: a.activeAt,
        fired_at: a.firedAt ?? null,
        resolved_at: a.resolvedAt ?? null,
        keep_firing_since: a.keepFiringSince ?? null,
        updated_at: now,
      });
    }
  }
  return out;
}

function restore(runner: RuleGroupRunner, saved: readonly RuleAlertRow[]): void {
  for (const [rule, alerts] of runner.active) {
    for (const row of saved.filter((r) => r.rule === rule.name)) {
      const labels = JSON.parse(row.labels) as Record<string, string>;
      alerts.set(labelsKey(labels), {
        labels,
        annotations: JSON.parse(row.annotations) as Record<string, string>,
        state: row.state === 'firing' || row.state === 'pending' ? row.state : 'inactive',
        activeAt: Number(row.active_at),
        ...(row.fired_at !== null ? { firedAt: Number(row.fired_at) } : {}),
        ...(row.resolved_at !== null ? { resolvedAt: Number(row.resolved_at) } : {}),
        ...(row.keep_firing_since !== null ? { keepFiringSince: Number(row.keep_firing_since) } : {}),
        value: row.value === null ? Number.NaN : Number(row.value),
      });
    }
  }
}
