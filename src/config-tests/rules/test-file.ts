import { readFileSync } from 'node:fs';
import path from 'node:path';
import { globSync } from 'tinyglobby';
import { parse } from 'yaml';
import { parseDurationMs } from '../../promql/index.js';

/** promtool's unit-test file: the same keys, read strictly (an unknown key is an error, as promtool's UnmarshalStrict). */
export interface RulesTestFile {
  ruleFiles: string[];
  evaluationInterval: number;
  groupEvalOrder: string[];
  fuzzyCompare: boolean;
  tests: RulesTestGroup[];
}

export interface RulesTestGroup {
  name?: string;
  /** ms; defaults to the file's evaluation interval. */
  interval?: number;
  inputSeries: { series: string; values: string }[];
  alertRuleTests: { evalTime: number; alertname: string; expAlerts: { expLabels: Record<string, string>; expAnnotations: Record<string, string> }[] }[];
  promqlExprTests: { expr: string; evalTime: number; expSamples: { labels: string; value: number; histogram?: string }[] }[];
  externalLabels: Record<string, string>;
  externalURL?: string;
}

export class RulesTestFileError extends Error {}

const FILE_KEYS = ['rule_files', 'evaluation_interval', 'group_eval_order', 'tests', 'fuzzy_compare'];
const GROUP_KEYS = ['interval', 'input_series', 'alert_rule_test', 'promql_expr_test', 'external_labels', 'external_url', 'name'];

function strict(obj: Record<string, unknown>, keys: string[], where: string): void {
  for (const k of Object.keys(obj)) if (!keys.includes(k)) throw new RulesTestFileError(`field ${k} not found in ${where}`);
}

function duration(v: unknown, where: string): number {
  if (v === undefined || v === null) return 0;
  const text = String(v);
  if (text === '0') return 0;
  const ms = parseDurationMs(text);
  if (ms === undefined) throw new RulesTestFileError(`${where}: not a valid duration string: "${text}"`);
  return ms;
}

const record = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strings = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(record(v)).map(([k, x]) => [k, String(x)]));

export function readRulesTestFile(file: string): RulesTestFile {
  // Every scalar as written (promtool reads `values: 0x10` as text, not as the number 16).
  const raw = record(parse(readFileSync(file, 'utf8'), { schema: 'failsafe' }) as unknown);
  strict(raw, FILE_KEYS, 'unit test file');
  const base = path.dirname(file);
  const ruleFiles: string[] = [];
  for (const rf of list(raw.rule_files).map(String)) {
    const full = path.isAbsolute(rf) ? rf : path.join(base, rf);
    const found = globSync(full.replace(/\\/g, '/'), { absolute: true }).sort();
    if (found.length === 0) console.error(`  WARNING: no file match pattern ${full}`);
    ruleFiles.push(...found);
  }
  return {
    ruleFiles,
    evaluationInterval: duration(raw.evaluation_interval, 'evaluation_interval') || 60_000,
    groupEvalOrder: list(raw.group_eval_order).map(String),
    fuzzyCompare: String(raw.fuzzy_compare) === 'true',
    tests: list(raw.tests).map((t, i) => {
      const g = record(t);
      strict(g, GROUP_KEYS, `tests[${i}]`);
      return {
        name: g.name === undefined ? undefined : String(g.name),
        interval: g.interval === undefined ? undefined : duration(g.interval, `tests[${i}].interval`),
        inputSeries: list(g.input_series).map((s) => ({ series: String(record(s).series ?? ''), values: String(record(s).values ?? '') })),
        alertRuleTests: list(g.alert_rule_test).map((a, j) => {
          const r = record(a);
          return {
            evalTime: duration(r.eval_time, `tests[${i}].alert_rule_test[${j}].eval_time`),
            alertname: String(r.alertname ?? ''),
            expAlerts: list(r.exp_alerts).map((e) => ({ expLabels: strings(record(e).exp_labels), expAnnotations: strings(record(e).exp_annotations) })),
          };
        }),
        promqlExprTests: list(g.promql_expr_test).map((p, j) => {
          const r = record(p);
          return {
            expr: String(r.expr ?? ''),
            evalTime: duration(r.eval_time, `tests[${i}].promql_expr_test[${j}].eval_time`),
            expSamples: list(r.exp_samples).map((s) => ({
              labels: String(record(s).labels ?? ''),
              value: Number(record(s).value ?? 0),
              histogram: record(s).histogram === undefined ? undefined : String(record(s).histogram),
            })),
          };
        }),
        externalLabels: strings(g.external_labels),
        externalURL: g.external_url === undefined ? undefined : String(g.external_url),
      };
    }),
  };
}
