import type { CheckResult, StoredCheckState } from '../checks/types.js';
import type { Clock } from '../lib/clock.js';
import { ruleConditionHolds, type ConditionInput } from './condition.js';
import { seriesKey } from './series.js';
import { advance, dueAt, initialSeries, observe, type SeriesInput, type Transition } from './state-machine.js';
import { renderTemplate } from './template.js';
import { DEFAULT_SEVERITY_MAP, type AlertEvent, type AlertRule, type CheckInfo, type Labels, type SeriesState } from './types.js';

/** The fields of a series a restarted process decides on; `lastValue` and `updatedAt` are only shown. */
const DECIDING = ['state', 'activeSince', 'firingSince', 'keepFiringUntil', 'lastActive', 'lastLevel', 'firedSeverity'] as const satisfies ReadonlyArray<keyof SeriesState>;

/** Whether a rule's condition holds for a verdict (a rule without one: its level is not ok); undefined when it reads what the verdict lacks. */
function holds(rule: AlertRule, input: ConditionInput & { level: string }): boolean | undefined {
  return rule.condition ? ruleConditionHolds(rule.condition, input) : input.level !== 'ok';
}

/**
 * Holds the state of every rule × series and turns check results into AlertEvents. It does no I/O:
 * `takeChanged()` hands the states to persist, and a restarted evaluator is built from them
 * (see AlertEngine for the store-backed form).
 */
export class RuleEvaluator {
  private readonly byCheck = new Map<string, AlertRule[]>();
  private readonly rules = new Map<string, AlertRule>();
  private readonly series = new Map<string, SeriesState>();
  private readonly changed = new Set<string>();
  /** Each series changed since the last `settle`, as it was before (undefined: it did not exist). */
  private readonly before = new Map<string, SeriesState | undefined>();

  constructor(
    rules: readonly AlertRule[],
    private readonly clock: Clock,
    private readonly checks: ReadonlyMap<string, CheckInfo> = new Map(),
    saved: readonly SeriesState[] = [],
  ) {
    for (const rule of rules) {
      this.rules.set(rule.id, rule);
      const list = this.byCheck.get(rule.checkId) ?? [];
      list.push(rule);
      this.byCheck.set(rule.checkId, list);
    }
    // States of rules that no longer exist are dropped (and reported by `removedSeries`).
    for (const s of saved) if (this.rules.has(s.ruleId)) this.series.set(s.seriesKey, s);
    this.removed = saved.filter((s) => !this.rules.has(s.ruleId)).map((s) => s.seriesKey);
  }

  private removed: string[];
  /** What the latest run of each check observed against its failing conditions (not persisted: shown, never decided on). */
  private readonly observed = new Map<string, string>();

  /** Series keys of saved states whose rule is gone; delete them from the store. */
  removedSeries(): string[] {
    return [...this.removed];
  }

  /** Feeds one check result to every rule on that check. Results still pending a verdict are ignored. */
  onCheckResult(result: CheckResult): AlertEvent[] {
    if (result.pending !== undefined) return [];
    const observed = observedOf(result);
    if (observed) this.observed.set(result.checkId, observed);
    else this.observed.delete(result.checkId);
    const events: AlertEvent[] = [];
    for (const rule of this.byCheck.get(result.checkId) ?? []) {
      const active = holds(rule, {
        ...(result.value !== undefined ? { value: result.value } : {}),
        latencyMs: result.latencyMs,
        level: result.level,
        status: result.status,
      });
      if (active === undefined) continue;
      const input: SeriesInput = { at: result.at, active, ...(result.value !== undefined ? { value: result.value } : {}), level: result.level };
      events.push(...this.apply(rule, this.labelsFor(rule), input));
    }
    return events;
  }

  /**
   * Catches the rules of a check up with the settled state it starts from (a restart, a lease move),
   * which they may never have seen: the process that stored it stopped between the history write
   * and the evaluation. Only toward worse, and only rules that have seen nothing as new: a series
   * pending or firing, or updated at or after the stored result, is left alone, and so is a rule
   * whose condition holds not (a recovery the rules missed is left to the check's own runs) or
   * reads what a stored state lacks (`[VALUE]`, `[LATENCY]`).
   */
  onStoredState(stored: StoredCheckState): AlertEvent[] {
    const events: AlertEvent[] = [];
    for (const rule of this.byCheck.get(stored.checkId) ?? []) {
      const labels = this.labelsFor(rule);
      const s = this.series.get(seriesKey(rule.id, labels));
      if (s && (s.state === 'pending' || s.state === 'firing' || s.updatedAt >= stored.at)) continue;
      const active = holds(rule, { level: stored.level, ...(stored.status ? { status: stored.status } : {}) });
      if (active !== true) continue;
      // No run of this process observed it: the responder is shown what the stored failing run did, and when.
      if (stored.observed) {
        this.observed.set(stored.checkId, `${stored.observed.text} (stored run of ${new Date(stored.observed.at).toISOString()}, before this process took the check over)`);
      }
      events.push(...this.apply(rule, labels, { at: stored.at, active, level: stored.level }));
    }
    return events;
  }

  /** Runs timers that fell due (`for:` elapsed, `keep_firing_for` ran out) up to now; `only`: of these rules alone. */
  tick(only?: (ruleId: string) => boolean): AlertEvent[] {
    const now = this.clock.now();
    const events: AlertEvent[] = [];
    for (const s of [...this.series.values()]) {
      if (only && !only(s.ruleId)) continue;
      const rule = this.rules.get(s.ruleId)!;
      const { state, transition } = advance(s, now, rule);
      if (state !== s) this.save(state);
      events.push(...this.eventsFor(rule, state, [transition], s));
    }
    return events;
  }

  /** The earliest instant a series (of the rules `only` keeps) changes by itself; arm a timer for it and call `tick`. */
  nextDueAt(only?: (ruleId: string) => boolean): number | undefined {
    let next: number | undefined;
    for (const s of this.series.values()) {
      if (only && !only(s.ruleId)) continue;
      const due = dueAt(s, this.rules.get(s.ruleId)!);
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    return next;
  }

  /** The rules with a series whose timer has fallen due by now. */
  dueRules(): Set<string> {
    const now = this.clock.now();
    const out = new Set<string>();
    for (const s of this.series.values()) {
      const due = dueAt(s, this.rules.get(s.ruleId)!);
      if (due !== undefined && due <= now) out.add(s.ruleId);
    }
    return out;
  }

  /** States changed since the last call, to persist. */
  takeChanged(): SeriesState[] {
    const out = [...this.changed].map((k) => this.series.get(k)!);
    this.changed.clear();
    return out;
  }

  states(): SeriesState[] {
    return [...this.series.values()];
  }

  hasRule(id: string): boolean {
    return this.rules.has(id);
  }

  private labelsFor(rule: AlertRule): Labels {
    const check = this.checks.get(rule.checkId);
    return {
      ...(check?.labels ?? {}),
      ...(check?.service ? { service: check.service } : {}),
      check: rule.checkId,
      ...rule.labels,
    };
  }

  private apply(rule: AlertRule, labels: Labels, input: SeriesInput): AlertEvent[] {
    const key = seriesKey(rule.id, labels);
    const before = this.series.get(key) ?? initialSeries(key, rule.id, labels, input.at);
    const { state, transitions } = observe(before, input, rule);
    this.save(state);
    return this.eventsFor(rule, state, transitions, before);
  }

  /** The changes taken are in the store (or kept to save later): `revert` no longer undoes them. */
  settle(): void {
    this.before.clear();
  }

  /** The changes since the last `settle` could not be written: the series are as they were before them. */
  revert(): void {
    for (const [key, s] of this.before) {
      if (s) this.series.set(key, s);
      else this.series.delete(key);
    }
    this.before.clear();
    this.changed.clear();
  }

  private save(s: SeriesState): void {
    const before = this.series.get(s.seriesKey);
    if (!this.before.has(s.seriesKey)) this.before.set(s.seriesKey, before);
    this.series.set(s.seriesKey, s);
    // Only what a restart decides on is saved: every run of every check changes the value and the
    // time, and a write per run would hold the pipeline (a fenced transaction each) behind its checks.
    if (!before || DECIDING.some((k) => before[k] !== s[k])) this.changed.add(s.seriesKey);
  }

  /**
   * Events for the transitions made, plus a repeated `firing` when a firing series' severity
   * changed (a warning turning critical), so the incident can be raised.
   */
  private eventsFor(rule: AlertRule, state: SeriesState, transitions: Transition[], before: SeriesState): AlertEvent[] {
    const events: AlertEvent[] = [];
    let firedSeverity = before.firedSeverity;
    for (const t of transitions) {
      if (!t) continue;
      const severity = t.to === 'resolved' ? (firedSeverity ?? severityOf(rule, before)) : severityOf(rule, state);
      events.push(this.event(rule, state, t.to, t.at, severity));
      firedSeverity = t.to === 'firing' ? severity : null;
    }
    // While keep_firing_for runs the level is ok; the alert keeps the severity it fired with.
    if (state.state === 'firing' && state.lastActive) {
      const severity = severityOf(rule, state);
      if (firedSeverity !== null && severity !== firedSeverity) events.push(this.event(rule, state, 'firing', state.updatedAt, severity));
      firedSeverity = severity;
    }
    if (firedSeverity !== state.firedSeverity) this.save({ ...state, firedSeverity });
    return events;
  }

  private event(rule: AlertRule, s: SeriesState, kind: 'firing' | 'resolved', at: number, severity: string): AlertEvent {
    const check = this.checks.get(rule.checkId);
    const context = { labels: s.labels, ...(s.lastValue !== null ? { value: s.lastValue } : {}) };
    const annotations: Record<string, string> = {};
    for (const [name, template] of Object.entries(rule.annotations)) annotations[name] = renderTemplate(template, context);
    annotations.summary ??= defaultSummary(rule, check, s);
    const observed = this.observed.get(rule.checkId);
    if (kind === 'firing' && observed) annotations.observed ??= observed;
    const runbook = rule.runbook ?? check?.runbook;
    return {
      kind, ruleId: rule.id, dedupKey: s.seriesKey, labels: s.labels, annotations, severity, at,
      ...(runbook ? { runbook } : {}),
      ...(s.lastValue !== null ? { value: s.lastValue } : {}),
    };
  }
}

/** The severity a firing series carries: by the check level behind it, through the rule's map. */
export function severityOf(rule: AlertRule, s: Pick<SeriesState, 'lastLevel'>): string {
  if (rule.condition) return rule.severity.critical ?? DEFAULT_SEVERITY_MAP.critical;
  const level = s.lastLevel === 'warning' ? 'warning' : 'critical';
  return rule.severity[level] ?? DEFAULT_SEVERITY_MAP[level];
}

/** The conditions a run failed with what it observed (`[STATUS] < 400, observed 503`), or its error. */
function observedOf(result: CheckResult): string | undefined {
  const failed = result.conditions.filter((c) => !c.ok && c.list === 'conditions');
  if (failed.length > 0) return failed.map((c) => `${c.text}, observed ${c.actual}`).join('; ');
  const levels = result.conditions.filter((c) => c.ok && c.list !== 'conditions');
  if (result.level !== 'ok' && levels.length > 0) return levels.map((c) => `${c.list}: ${c.text}, observed ${c.actual}`).join('; ');
  return result.status !== 'up' && result.error ? result.error : undefined;
}

function defaultSummary(rule: AlertRule, check: CheckInfo | undefined, s: SeriesState): string {
  const name = check?.name ?? rule.checkId;
  if (rule.condition) return `${name}: ${rule.condition.text}`;
  return `${name} is ${s.lastLevel === 'warning' ? 'warning' : 'critical'}`;
}
