import { Engine, labelsKey, MemorySeriesSource, parseSeriesDesc, PromQLError, type Labels } from '../../promql/index.js';
import { loadRuleFile, RuleEvaluationError, RuleFileError, RuleGroupRunner, type LoadOptions, type RuleGroupSpec } from '../../alerts/rule-files/index.js';
import { formatE, formatLabelSet, formatModelDuration, indentLines } from './format.js';
import { readRulesTestFile, type RulesTestFile, type RulesTestGroup } from './test-file.js';

export interface RulesTestOptions extends LoadOptions {
  /** Run only the test groups whose name matches (promtool's --run, joined with `|`). */
  run?: RegExp;
}

/** The outcome of one unit-test file: no errors means it passed. */
export interface RulesTestFileResult {
  file: string;
  errors: string[];
}

/** `opsbook test rules FILE…`: promtool's `test rules`, same file format, same judgement, the same messages. */
export function runRulesTestFile(file: string, options: RulesTestOptions = {}): RulesTestFileResult {
  let spec: RulesTestFile;
  try {
    spec = readRulesTestFile(file);
  } catch (err) {
    return { file, errors: [(err as Error).message] };
  }
  const order = new Map<string, number>();
  for (const [i, name] of spec.groupEvalOrder.entries()) {
    if (order.has(name)) return { file, errors: [`group name repeated in evaluation order: ${name}`] };
    order.set(name, i);
  }
  const errors: string[] = [];
  spec.tests.forEach((group) => {
    if (options.run && !options.run.test(group.name ?? '')) return;
    errors.push(...runGroup(group, spec, order, options));
  });
  return { file, errors };
}

function loadGroups(spec: RulesTestFile, options: LoadOptions, order: Map<string, number>): RuleGroupSpec[] {
  const groups: RuleGroupSpec[] = [];
  for (const f of spec.ruleFiles) groups.push(...loadRuleFile(f, options));
  return groups.map((g, i) => ({ g, i })).sort((a, b) => (order.get(a.g.name) ?? 0) - (order.get(b.g.name) ?? 0) || a.i - b.i).map((x) => x.g);
}

function runGroup(tg: RulesTestGroup, spec: RulesTestFile, order: Map<string, number>, options: LoadOptions): string[] {
  const interval = tg.interval ?? spec.evaluationInterval;
  const evalInterval = spec.evaluationInterval;
  // Input samples in time order, loaded as evaluation reaches them so rules never see the future.
  const pending: { labels: Labels; t: number; v: number; stale: boolean }[] = [];
  try {
    for (const s of tg.inputSeries) {
      const { labels, values } = parseSeriesDesc(`${s.series} ${s.values}`);
      values.forEach((v, k) => {
        if (v !== undefined) pending.push({ labels, t: k * interval, v: v ?? Number.NaN, stale: v === null });
      });
    }
  } catch (err) {
    return [`could not parse input series: ${(err as Error).message}`];
  }
  pending.sort((a, b) => a.t - b.t);
  let groups: RuleGroupSpec[];
  try {
    groups = loadGroups(spec, options, order);
  } catch (err) {
    if (err instanceof RuleFileError) return err.problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
    throw err;
  }
  const source = new MemorySeriesSource();
  const engine = new Engine(source, { subqueryStep: evalInterval });
  const runners = groups.map((g) => new RuleGroupRunner(g));
  const ctx = { engine, sink: source, externalLabels: tg.externalLabels, externalURL: tg.externalURL };
  const alertTests = [...tg.alertRuleTests].sort((a, b) => a.evalTime - b.evalTime);
  for (const a of alertTests) if (a.alertname === '') return [`an item under alert_rule_test misses required attribute alertname at eval_time ${formatModelDuration(a.evalTime)}${tg.name ? ` (in TestGroup ${tg.name})` : ''}`];
  const maxt = Math.max(0, ...tg.alertRuleTests.map((a) => a.evalTime), ...tg.promqlExprTests.map((p) => p.evalTime));
  const errors: string[] = [];
  const namePrefix = tg.name ? `    name: ${tg.name},\n` : '';
  let next = 0;
  let curr = 0;
  for (let ts = 0; ts <= maxt; ts += evalInterval) {
    while (next < pending.length && pending[next]!.t <= ts) {
      const s = pending[next++]!;
      source.add(s.labels, s.t, s.v, s.stale);
    }
    for (const r of runners) {
      try {
        r.evaluate(ctx, ts);
      } catch (err) {
        if (err instanceof RuleEvaluationError) return [...errors, `    rule: ${err.rule}, time: ${formatModelDuration(ts)}, err: ${err.reason}`];
        throw err;
      }
    }
    while (curr < alertTests.length && ts <= alertTests[curr]!.evalTime && alertTests[curr]!.evalTime < ts + evalInterval) {
      const t = alertTests[curr]!.evalTime;
      for (const test of alertTests.filter((a) => a.evalTime === t)) {
        const got: AlertView[] = [];
        for (const r of runners) {
          for (const rule of r.group.rules) {
            if (rule.kind !== 'alert' || rule.name !== test.alertname) continue;
            for (const a of r.firing(rule)) got.push({ labels: a.labels, annotations: a.annotations });
          }
        }
        const exp: AlertView[] = test.expAlerts.map((e) => ({ labels: { ...e.expLabels, alertname: test.alertname }, annotations: e.expAnnotations }));
        sortAlerts(got);
        sortAlerts(exp);
        if (!sameAlerts(exp, got)) {
          errors.push(
            `${namePrefix}    alertname: ${test.alertname}, time: ${formatModelDuration(test.evalTime)}, \n        exp:${indentLines(alertsString(exp), '            ')}, \n        got:${indentLines(alertsString(got), '            ')}`,
          );
        }
      }
      curr += alertTests.filter((a) => a.evalTime === t).length;
    }
  }
  for (const test of tg.promqlExprTests) {
    let got: { labels: Labels; value: number }[];
    try {
      const v = engine.instant(test.expr, test.evalTime);
      if (v.kind === 'scalar') got = [{ labels: {}, value: v.value }];
      else if (v.kind === 'vector') got = v.samples.map((s) => ({ labels: s.metric, value: s.value }));
      else throw new PromQLError('rule result is not a vector or scalar');
    } catch (err) {
      errors.push(`    expr: ${JSON.stringify(test.expr)}, time: ${formatModelDuration(test.evalTime)}, err: ${(err as Error).message}`);
      continue;
    }
    let exp: { labels: Labels; value: number }[];
    try {
      exp = test.expSamples.map((s) => {
        if (s.histogram) throw new PromQLError(`labels ${JSON.stringify(s.labels)}: native histograms are not supported`);
        return { labels: s.labels.trim() === '' ? {} : parseSeriesDesc(s.labels).labels, value: s.value };
      });
    } catch (err) {
      errors.push(`    expr: ${JSON.stringify(test.expr)}, time: ${formatModelDuration(test.evalTime)}, err: ${(err as Error).message}`);
      continue;
    }
    const byLabels = (a: { labels: Labels }, b: { labels: Labels }) => compareLabels(a.labels, b.labels);
    exp.sort(byLabels);
    got.sort(byLabels);
    const same = exp.length === got.length && exp.every((e, i) => labelsKey(e.labels) === labelsKey(got[i]!.labels) && sameFloat(e.value, got[i]!.value, spec.fuzzyCompare));
    if (!same) {
      errors.push(`    expr: ${JSON.stringify(test.expr)}, time: ${formatModelDuration(test.evalTime)},\n        exp: ${samplesString(exp)}\n        got: ${samplesString(got)}`);
    }
  }
  return errors;
}

interface AlertView {
  labels: Labels;
  annotations: Labels;
}

function compareLabels(a: Labels, b: Labels): number {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    if (ka[i] !== kb[i]) return ka[i]! < kb[i]! ? -1 : 1;
    const va = a[ka[i]!]!;
    const vb = b[kb[i]!]!;
    if (va !== vb) return va < vb ? -1 : 1;
  }
  return ka.length - kb.length;
}

function sortAlerts(list: AlertView[]): void {
  list.sort((a, b) => compareLabels(a.labels, b.labels) || compareLabels(a.annotations, b.annotations));
}

function sameAlerts(a: AlertView[], b: AlertView[]): boolean {
  return a.length === b.length && a.every((x, i) => labelsKey(x.labels) === labelsKey(b[i]!.labels) && labelsKey(x.annotations) === labelsKey(b[i]!.annotations));
}

/** Exact, or within one ulp either way when the file sets `fuzzy_compare: true`. */
function sameFloat(a: number, b: number, fuzzy: boolean): boolean {
  if (a === b || (Number.isNaN(a) && Number.isNaN(b))) return true;
  return fuzzy && (nextAfter(a, -Infinity) === b || nextAfter(a, Infinity) === b);
}

function nextAfter(x: number, toward: number): number {
  if (Number.isNaN(x) || x === toward) return x;
  if (x === 0) return toward > 0 ? Number.MIN_VALUE : -Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  let bits = buf.getBigUint64(0);
  bits += (toward > x) === (x > 0) ? 1n : -1n;
  buf.setBigUint64(0, bits);
  return buf.getFloat64(0);
}

function alertsString(list: AlertView[]): string {
  if (list.length === 0) return '[]';
  const one = (a: AlertView) => `Labels:${formatLabelSet(a.labels)}\nAnnotations:${formatLabelSet(a.annotations)}`;
  return `[\n${list.map((a, i) => `${i}:${indentLines(`\n${one(a)}`, '  ')}`).join(',\n')}\n]`;
}

function samplesString(list: { labels: Labels; value: number }[]): string {
  if (list.length === 0) return 'nil';
  return list.map((s) => `${formatLabelSet(s.labels)} ${formatE(s.value)}`).join(', ');
}

/** What promtool prints for a set of files, and its exit code. */
export function formatRulesTestResults(results: RulesTestFileResult[]): { out: string[]; err: string[]; exitCode: number } {
  const out: string[] = [];
  const err: string[] = [];
  for (const r of results) {
    out.push(`Unit Testing:  ${r.file}`);
    if (r.errors.length > 0) {
      err.push(`Unit Testing:  ${r.file}`, '  FAILED:', ...r.errors);
      out.push('  FAILED (see above)');
    } else out.push('  SUCCESS');
    out.push('');
  }
  return { out, err, exitCode: results.some((r) => r.errors.length > 0) ? 1 : 0 };
}
