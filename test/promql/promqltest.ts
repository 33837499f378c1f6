/**
 * A runner for Prometheus' `promqltest` script format (`load`, `clear`, `eval instant`, `eval range`, `eval_fail`,
 * `eval_ordered`, `eval_warn`, `eval_info`, `expect fail|ordered`), following promql/promqltest/test.go of the pinned
 * tag. Annotations (warn/info) are not compared: opsbook's evaluator does not produce them.
 */
import { almostEqual, Engine, labelsKey, MemorySeriesSource, parseExpr, type Labels, type Series } from '../../src/promql/index.js';
import { parseNumber } from '../../src/promql/literals.js';
import { parseSeriesDesc } from '../../src/promql/index.js';

const EPSILON = 0.000001;

export interface CaseResult {
  id: string;
  line: number;
  expr: string;
  ok: boolean;
  reason?: string;
  /** The case reads native histograms or calls an experimental function. */
  category: 'float' | 'native-histogram' | 'experimental';
}

interface Expected {
  labels: Labels;
  values: (number | undefined)[];
  scalar: boolean;
  position: number;
}

const EXPERIMENTAL = /\b(limitk|limit_ratio|mad_over_time|ts_of_(?:min|max|last)_over_time|sort_by_label(?:_desc)?|double_exponential_smoothing|info)\s*\(/;
const NATIVE = /\bhistogram_(?:count|sum|avg|fraction|stddev|stdvar)\s*\(/;

/** Prometheus' model.ParseDuration: `0`, or units y w d h m s ms, in ms. */
export function parseTestDuration(text: string): number {
  if (text === '0') return 0;
  const m = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/.exec(text);
  if (!m || text === '') throw new Error(`invalid duration "${text}"`);
  const units = [31_536_000_000, 604_800_000, 86_400_000, 3_600_000, 60_000, 1000, 1];
  return units.reduce((sum, u, i) => sum + Number(m[i + 1] ?? 0) * u, 0);
}

/** Runs one script; each `eval` is one case, identified as `file:line`. */
export function runScript(file: string, text: string): CaseResult[] {
  const source = new MemorySeriesSource();
  const engine = new Engine(source);
  const lines = text.split('\n');
  const results: CaseResult[] = [];
  const nativeNames = new Set<string>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line === 'clear') {
      source.clear();
      nativeNames.clear();
      continue;
    }
    const load = /^load(?:_(with_nhcb))?\s+(.+?)$/.exec(line);
    if (load) {
      const gap = parseTestDuration(load[2]!);
      while (i + 1 < lines.length && lines[i + 1]!.trim() !== '') {
        const def = lines[++i]!.trim();
        if (def.startsWith('#')) continue;
        if (def.includes('{{') || load[1]) {
          const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(def)?.[0];
          if (name) nativeNames.add(load[1] ? name.replace(/_(bucket|sum|count)$/, '') : name);
          if (!load[1] || def.includes('{{')) continue;
        }
        const { labels, values } = parseSeriesDesc(def);
        values.forEach((v, k) => {
          if (v === undefined) return;
          source.add(labels, k * gap, v ?? Number.NaN, v === null);
        });
      }
      continue;
    }
    if (!line.startsWith('eval')) throw new Error(`${file}:${i + 1}: unknown command ${line}`);
    const start = i;
    const block: string[] = [];
    while (i + 1 < lines.length && lines[i + 1]!.trim() !== '') block.push(lines[++i]!.trim());
    results.push(runEval(file, start + 1, line, block, engine, nativeNames));
  }
  return results;
}

function runEval(file: string, lineNo: number, line: string, block: string[], engine: Engine, nativeNames: Set<string>): CaseResult {
  const instant = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/.exec(line);
  const range = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/.exec(line);
  const expr = (instant ? instant[3] : range?.[5]) ?? line;
  const readsNative = [...nativeNames].some((n) => new RegExp(`\\b${n}`).test(expr));
  const category = readsNative || NATIVE.test(expr) || block.some((b) => b.includes('{{')) ? 'native-histogram' : EXPERIMENTAL.test(expr) ? 'experimental' : 'float';
  const result = (ok: boolean, reason?: string): CaseResult => ({ id: `${file}:${lineNo}`, line: lineNo, expr, ok, reason, category });
  let mod = (instant ? instant[1] : range?.[1]) ?? '';
  const expected: Expected[] = [];
  try {
    for (const b of block) {
      if (b.startsWith('#')) continue;
      if (b.startsWith('expect ')) {
        const m = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)/.exec(b);
        if (m?.[1] === 'fail' || m?.[1] === 'ordered') mod = m[1];
        continue;
      }
      if (b.startsWith('expected_fail_message') || b.startsWith('expected_fail_regexp')) continue;
      const scalar = /^[^{}\s]+$/.test(b) && !/^[a-zA-Z_:]/.test(b.replace(/^[+-]?(inf|nan)$/i, '1'));
      if (scalar) expected.push({ labels: {}, values: [parseNumber(b)], scalar: true, position: expected.length + 1 });
      else {
        const d = parseSeriesDesc(b);
        expected.push({ labels: d.labels, values: d.values.map((v) => (v === null ? undefined : v)), scalar: false, position: expected.length + 1 });
      }
    }
  } catch (err) {
    return result(false, `cannot read the expected values: ${(err as Error).message}`);
  }
  try {
    parseExpr(expr);
  } catch (err) {
    return result(mod === 'fail', mod === 'fail' ? undefined : `parse error: ${(err as Error).message}`);
  }
  try {
    if (instant) {
      const t = parseTestDuration(instant[2] ?? '0');
      const v = engine.instant(expr, t);
      if (mod === 'fail') return result(false, 'expected the evaluation to fail');
      return result(...compareInstant(v, expected, mod === 'ordered'));
    }
    if (!range) return result(false, 'unreadable eval line');
    const from = parseTestDuration(range[2]!);
    const to = parseTestDuration(range[3]!);
    const step = parseTestDuration(range[4]!);
    const r = engine.range(expr, from, to, step);
    if (mod === 'fail') return result(false, 'expected the evaluation to fail');
    return result(...compareRange(r.series, expected, from, to, step));
  } catch (err) {
    if (mod === 'fail') return result(true);
    return result(false, `error: ${(err as Error).message}`);
  }
}

type Verdict = [boolean, string?];

function compareInstant(v: ReturnType<Engine['instant']>, expected: Expected[], ordered: boolean): Verdict {
  if (v.kind === 'scalar') {
    if (!expected[0]?.scalar) return [false, `expected a vector, got scalar ${v.value}`];
    return almostEqual(expected[0].values[0]!, v.value, EPSILON) ? [true] : [false, `expected scalar ${expected[0].values[0]}, got ${v.value}`];
  }
  if (v.kind === 'string') return [false, `got string "${v.value}"`];
  if (expected.some((e) => e.scalar)) return [false, `expected a scalar, got ${v.kind}`];
  if (v.kind === 'matrix') return [false, 'range vector results of instant queries are not compared'];
  const want = new Map(expected.map((e) => [labelsKey(e.labels), e]));
  const seen = new Set<string>();
  for (const [pos, s] of v.samples.entries()) {
    const key = labelsKey(s.metric);
    const e = want.get(key);
    if (!e) return [false, `unexpected metric ${JSON.stringify(s.metric)} = ${s.value}`];
    if (ordered && e.position !== pos + 1) return [false, `${JSON.stringify(s.metric)} at position ${pos + 1}, expected ${e.position}`];
    if (!almostEqual(e.values[0]!, s.value, EPSILON)) return [false, `expected ${e.values[0]} for ${JSON.stringify(s.metric)}, got ${s.value}`];
    seen.add(key);
  }
  for (const [key, e] of want) if (!seen.has(key)) return [false, `expected metric ${JSON.stringify(e.labels)} not found`];
  return [true];
}

function compareRange(series: Series[], expected: Expected[], from: number, to: number, step: number): Verdict {
  const want = new Map(expected.map((e) => [labelsKey(e.labels), e]));
  const seen = new Set<string>();
  for (const s of series) {
    const key = labelsKey(s.metric);
    const e = want.get(key);
    if (!e) return [false, `unexpected series ${JSON.stringify(s.metric)}: ${s.points.map((p) => p.v).join(' ')}`];
    seen.add(key);
    const points: { t: number; v: number }[] = [];
    for (const [i, v] of e.values.entries()) {
      const t = from + i * step;
      if (t > to) return [false, `expected ${e.values.length} points, the range cannot hold them`];
      if (v !== undefined) points.push({ t, v });
    }
    if (points.length !== s.points.length) return [false, `expected ${points.length} points for ${JSON.stringify(s.metric)}, got ${s.points.map((p) => `${p.v}@${p.t / 1000}`).join(' ')}`];
    for (const [i, p] of points.entries()) {
      const got = s.points[i]!;
      if (p.t !== got.t) return [false, `point ${i} of ${JSON.stringify(s.metric)} at ${got.t}, expected ${p.t}`];
      if (!almostEqual(p.v, got.v, EPSILON)) return [false, `point ${i} (t=${p.t / 1000}s) of ${JSON.stringify(s.metric)}: expected ${p.v}, got ${got.v}`];
    }
  }
  for (const [key, e] of want) if (!seen.has(key)) return [false, `expected series ${JSON.stringify(e.labels)} not found`];
  return [true];
}
