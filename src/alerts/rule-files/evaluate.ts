import { labelsKey, METRIC_NAME, PromQLError, type Engine, type Labels, type SeriesSink } from '../../promql/index.js';
import type { AlertingRuleSpec, RecordingRuleSpec, RuleGroupSpec } from './model.js';

export type RuleAlertState = 'pending' | 'firing';

/** An alert of an alerting rule, as Prometheus keeps it between evaluations. */
export interface RuleAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: RuleAlertState | 'inactive';
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  keepFiringSince?: number;
  value: number;
}

/** What a rule group needs to evaluate: an engine over the samples, and where rule outputs are written. */
export interface RuleContext {
  engine: Engine;
  /** Recording rules, ALERTS and ALERTS_FOR_STATE are appended here, with staleness markers for series that end. */
  sink: SeriesSink;
  externalLabels?: Record<string, string>;
  externalURL?: string;
}

/** How long a resolved alert is remembered (Prometheus: 15 minutes), for its last notifications. */
const RESOLVED_RETENTION = 15 * 60_000;

/** Evaluates one rule group at a time, keeping alerting-rule state between evaluations as Prometheus does. */
export class RuleGroupRunner {
  /** Per alerting rule: alerts by label set. */
  readonly active = new Map<AlertingRuleSpec, Map<string, RuleAlert>>();
  private previous = new Map<string, Labels>();

  constructor(readonly group: RuleGroupSpec) {
    for (const r of group.rules) if (r.kind === 'alert') this.active.set(r, new Map());
  }

  /** Evaluates every rule at `ts`, in order (a recording rule's output is visible to the rules after it). Throws the first rule error. */
  evaluate(ctx: RuleContext, ts: number): void {
    const written = new Map<string, Labels>();
    for (const rule of this.group.rules) {
      try {
        const out = rule.kind === 'record' ? this.record(ctx, rule, ts) : this.alert(ctx, rule, ts);
        for (const s of out) {
          ctx.sink.add(s.labels, ts, s.value);
          written.set(labelsKey(s.labels), s.labels);
        }
      } catch (err) {
        if (err instanceof PromQLError) throw new RuleEvaluationError(rule.name, ts, err.message);
        throw err;
      }
    }
    // Series the previous evaluation wrote and this one did not have ended: mark them stale.
    for (const [key, labels] of this.previous) if (!written.has(key)) ctx.sink.add(labels, ts, Number.NaN, true);
    this.previous = written;
  }

  /** The alerts of a rule that are firing now. */
  firing(rule: AlertingRuleSpec): RuleAlert[] {
    return [...(this.active.get(rule)?.values() ?? [])].filter((a) => a.state === 'firing');
  }

  private query(ctx: RuleContext, expr: RecordingRuleSpec['expr'], ts: number): { metric: Labels; value: number }[] {
    const v = ctx.engine.instant(expr, ts - this.group.queryOffset);
    if (v.kind === 'scalar') return [{ metric: {}, value: v.value }];
    if (v.kind !== 'vector') throw new PromQLError('rule result is not a vector or scalar');
    return v.samples;
  }

  private record(ctx: RuleContext, rule: RecordingRuleSpec, ts: number): { labels: Labels; value: number }[] {
    const out = this.query(ctx, rule.expr, ts).map((s) => ({ labels: { ...s.metric, ...this.group.labels, ...rule.labels, [METRIC_NAME]: rule.name }, value: s.value }));
    const seen = new Set<string>();
    for (const s of out) {
      const key = labelsKey(s.labels);
      if (seen.has(key)) throw new PromQLError('vector contains metrics with the same labelset after applying rule labels');
      seen.add(key);
    }
    return out;
  }

  private alert(ctx: RuleContext, rule: AlertingRuleSpec, ts: number): { labels: Labels; value: number }[] {
    const active = this.active.get(rule)!;
    const current = new Map<string, RuleAlert>();
    for (const s of this.query(ctx, rule.expr, ts)) {
      const sampleLabels: Record<string, string> = { ...s.metric };
      delete sampleLabels[METRIC_NAME];
      const data = { labels: sampleLabels, value: s.value, externalLabels: ctx.externalLabels, externalURL: ctx.externalURL };
      const expand = (t: { render(d: typeof data): string }) => {
        try {
          return t.render(data);
        } catch (err) {
          return `<error expanding template: ${(err as Error).message}>`;
        }
      };
      const labels: Record<string, string> = { ...sampleLabels, ...this.group.labels };
      for (const [k, t] of Object.entries(rule.labelTemplates)) labels[k] = expand(t);
      labels.alertname = rule.name;
      for (const k of Object.keys(labels)) if (labels[k] === '') delete labels[k];
      const annotations: Record<string, string> = {};
      for (const [k, t] of Object.entries(rule.annotationTemplates)) annotations[k] = expand(t);
      const key = labelsKey(labels);
      if (current.has(key)) throw new PromQLError('vector contains metrics with the same labelset after applying alert labels');
      current.set(key, { labels, annotations, state: 'pending', activeAt: ts, value: s.value });
    }
    for (const [key, a] of current) {
      const existing = active.get(key);
      if (existing && existing.state !== 'inactive') {
        existing.value = a.value;
        existing.annotations = a.annotations;
        continue;
      }
      active.set(key, a);
    }
    const out: { labels: Labels; value: number }[] = [];
    for (const [key, a] of active) {
      if (!current.has(key)) {
        let keepFiring = false;
        if (a.state === 'firing' && rule.keepFiringFor > 0) {
          a.keepFiringSince ??= ts;
          keepFiring = ts - a.keepFiringSince < rule.keepFiringFor;
        }
        if (a.state === 'pending' || (a.resolvedAt !== undefined && ts - a.resolvedAt > RESOLVED_RETENTION)) active.delete(key);
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = ts;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = undefined;
      }
      if (a.state === 'pending' && ts - a.activeAt >= rule.for) {
        a.state = 'firing';
        a.firedAt = ts;
      }
      const state = a.state === 'firing' ? 'firing' : 'pending';
      out.push({ labels: { ...a.labels, [METRIC_NAME]: 'ALERTS', alertstate: state }, value: 1 });
      out.push({ labels: { ...a.labels, [METRIC_NAME]: 'ALERTS_FOR_STATE' }, value: Math.floor(a.activeAt / 1000) });
    }
    return out;
  }
}

export class RuleEvaluationError extends Error {
  constructor(
    readonly rule: string,
    readonly at: number,
    readonly reason: string,
  ) {
    super(`rule: ${rule}, time: ${at}ms, err: ${reason}`);
    this.name = 'RuleEvaluationError';
  }
}
