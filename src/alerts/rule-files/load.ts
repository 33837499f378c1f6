import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node, type YAMLMap } from 'yaml';
import { parseDurationMs, parseExpr, typeOf, type Expr } from '../../promql/index.js';
import { parseTemplate, TemplateError, type Template } from './go-template.js';
import { RuleFileError, type RuleFileProblem, type RuleGroupSpec, type RuleSpec } from './model.js';
import { describeYamlError } from '../../lib/yaml-errors.js';

const GROUP_KEYS = new Set(['name', 'interval', 'query_offset', 'limit', 'labels', 'rules']);
const RULE_KEYS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export interface LoadOptions {
  /** Accept keys Prometheus does not know (promtool's --ignore-unknown-fields). */
  ignoreUnknownFields?: boolean;
}

/** Reads a Prometheus rule file (`groups:`); every problem is reported with its file and line. */
export function loadRuleFile(file: string, options: LoadOptions = {}): RuleGroupSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new RuleFileError([{ file, message: `cannot read the rule file: ${(err as Error).message}` }]);
  }
  return parseRuleFile(file, text, options);
}

export function parseRuleFile(file: string, text: string, options: LoadOptions = {}): RuleGroupSpec[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, schema: 'failsafe' });
  const problems: RuleFileProblem[] = [];
  const at = (node: Node | null | undefined): number | undefined => (node?.range ? lines.linePos(node.range[0]).line : undefined);
  const problem = (node: Node | null | undefined, message: string) => problems.push({ file, line: at(node), message });
  for (const e of doc.errors) problems.push({ file, line: e.linePos?.[0]?.line, message: describeYamlError(e) });
  if (problems.length > 0) throw new RuleFileError(problems);
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) return [];
  if (!isMap(root)) throw new RuleFileError([{ file, line: at(root), message: 'a rule file is a map with a `groups:` list' }]);
  for (const pair of root.items) {
    const key = String((pair.key as Node & { value?: unknown })?.toString());
    if (key !== 'groups' && !options.ignoreUnknownFields) problem(pair.key as Node, `field ${key} not found in rule file`);
  }
  const groupsNode = root.get('groups', true) as Node | undefined;
  const groups: RuleGroupSpec[] = [];
  if (groupsNode && !isSeq(groupsNode)) problem(groupsNode, '`groups` must be a list');
  const seen = new Set<string>();
  for (const g of isSeq(groupsNode) ? groupsNode.items : []) {
    if (!isMap(g)) {
      problem(g as Node, 'a group must be a map');
      continue;
    }
    checkKeys(g, GROUP_KEYS, 'group', options, problem);
    const name = str(g, 'name');
    if (!name) problem(g, 'groupname must not be empty');
    else if (seen.has(name)) problem(g.get('name', true) as Node, `groupname: "${name}" is repeated in the same file`);
    seen.add(name ?? '');
    const interval = duration(g, 'interval', problem);
    const group: RuleGroupSpec = {
      name: name ?? '',
      file,
      interval,
      queryOffset: duration(g, 'query_offset', problem) ?? 0,
      limit: Number(str(g, 'limit') ?? 0),
      labels: stringMap(g, 'labels', problem, true),
      rules: [],
    };
    const rulesNode = g.get('rules', true) as Node | undefined;
    for (const r of isSeq(rulesNode) ? rulesNode.items : []) {
      if (!isMap(r)) {
        problem(r as Node, 'a rule must be a map');
        continue;
      }
      const rule = readRule(r, file, at(r), options, problem);
      if (rule) group.rules.push(rule);
    }
    groups.push(group);
  }
  if (problems.length > 0) throw new RuleFileError(problems);
  return groups;
}

type Problem = (node: Node | null | undefined, message: string) => void;

function checkKeys(m: YAMLMap, known: Set<string>, what: string, options: LoadOptions, problem: Problem): void {
  if (options.ignoreUnknownFields) return;
  for (const pair of m.items) {
    const key = String(pair.key);
    if (!known.has(key)) problem(pair.key as Node, `field ${key} not found in ${what}`);
  }
}

function str(m: YAMLMap, key: string): string | undefined {
  const v = m.get(key);
  return v === undefined || v === null ? undefined : String(v);
}

function duration(m: YAMLMap, key: string, problem: Problem): number | undefined {
  const text = str(m, key);
  if (text === undefined) return undefined;
  const ms = text === '0' ? 0 : parseDurationMs(text);
  if (ms === undefined) problem(m.get(key, true) as Node, `${key}: not a valid duration string: "${text}"`);
  return ms;
}

function stringMap(m: YAMLMap, key: string, problem: Problem, labels: boolean): Record<string, string> {
  const node = m.get(key, true) as Node | undefined;
  if (node === undefined || node === null) return {};
  if (!isMap(node)) {
    problem(node, `${key} must be a map`);
    return {};
  }
  const out: Record<string, string> = {};
  for (const pair of node.items) {
    const k = String(pair.key);
    if (labels && !LABEL_NAME.test(k)) problem(pair.key as Node, `invalid label name: ${k}`);
    out[k] = String((pair.value as { value?: unknown } | null)?.value ?? pair.value ?? '');
  }
  return out;
}

function readRule(r: YAMLMap, file: string, line: number | undefined, options: LoadOptions, problem: Problem): RuleSpec | undefined {
  checkKeys(r, RULE_KEYS, 'rule', options, problem);
  const alert = str(r, 'alert');
  const record = str(r, 'record');
  const location = `${file}:${line ?? 0}`;
  if ((alert === undefined) === (record === undefined)) {
    problem(r, "one of 'record' or 'alert' must be set");
    return undefined;
  }
  const exprText = str(r, 'expr');
  if (!exprText) {
    problem(r, "field 'expr' must be set in rule");
    return undefined;
  }
  let expr: Expr;
  try {
    expr = parseExpr(exprText);
    const t = typeOf(expr);
    if (t !== 'vector' && t !== 'scalar') throw new Error(`rule expressions must evaluate to an instant vector or a scalar, got ${t}`);
  } catch (err) {
    problem(r.get('expr', true) as Node, `could not parse expression: ${(err as Error).message}`);
    return undefined;
  }
  const labels = stringMap(r, 'labels', problem, true);
  if (record !== undefined) {
    if (!METRIC_NAME.test(record)) problem(r.get('record', true) as Node, `invalid recording rule name: ${record}`);
    for (const k of ['for', 'keep_firing_for', 'annotations']) if (r.has(k)) problem(r.get(k, true) as Node, `invalid field '${k}' in recording rule`);
    return { kind: 'record', name: record, expr, exprText, labels, location };
  }
  const annotations = stringMap(r, 'annotations', problem, false);
  const templates = (values: Record<string, string>, key: string) => {
    const out: Record<string, Template> = {};
    for (const [k, v] of Object.entries(values)) {
      try {
        out[k] = parseTemplate(v);
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        problem((r.get(key, true) as YAMLMap | undefined)?.get(k, true) as Node, `${key}.${k}: template: ${err.message}`);
      }
    }
    return out;
  };
  return {
    kind: 'alert',
    name: alert!,
    expr,
    exprText,
    for: duration(r, 'for', problem) ?? 0,
    keepFiringFor: duration(r, 'keep_firing_for', problem) ?? 0,
    labels,
    labelTemplates: templates(labels, 'labels'),
    annotations,
    annotationTemplates: templates(annotations, 'annotations'),
    location,
  };
}
