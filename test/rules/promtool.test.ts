/**
 * promtool's own unit-test fixtures (cmd/promtool/testdata of Prometheus v3.5.0, with its licence): `opsbook test
 * rules` must give the pass/fail that promtool's unittest_test.go expects for each file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { runRulesTestFile } from '../../src/config-tests/rules/run.js';

const dir = path.join(import.meta.dirname, 'promtool');

// [file, promtool's exit code, --run, --ignore-unknown-fields] as in unittest_test.go (TestRulesUnitTest, TestRulesUnitTestRun).
const CASES: [string, number, string[]?, boolean?][] = [
  ['long-period.yml', 0],
  ['bad-input-series.yml', 1],
  ['bad-promql.yml', 1],
  ['bad-rules-syntax-test.yml', 1],
  ['bad-rules-error-test.yml', 1],
  ['failing.yml', 1],
  // promtool enables @ and negative offsets with flags; Prometheus 3 and opsbook have them on.
  ['at-modifier-test.yml', 0],
  ['negative-offset-test.yml', 0],
  ['no-test-group-interval.yml', 0],
  ['rules_run.yml', 1],
  ['rules_run.yml', 1, ['correct', 'wrong']],
  ['rules_run.yml', 0, ['correct']],
  ['rules_run.yml', 1, ['wrong']],
  ['rules_run_extrafields.yml', 0, undefined, true],
  ['rules_run_no_fuzzy.yml', 1],
  ['rules_run_fuzzy.yml', 0, ['correct']],
  ['rules_run_fuzzy.yml', 1, ['wrong']],
];

describe('opsbook test rules on promtool v3.5.0 fixtures', () => {
  for (const [file, want, run, ignoreUnknownFields] of CASES) {
    it(`${file}${run ? ` --run ${run.join(',')}` : ''}${ignoreUnknownFields ? ' --ignore-unknown-fields' : ''} → exit ${want}`, () => {
      const r = runRulesTestFile(path.join(dir, file), { run: run ? new RegExp(run.join('|')) : undefined, ignoreUnknownFields });
      expect(r.errors.length > 0 ? 1 : 0, r.errors.join('\n')).toBe(want);
    });
  }

  it('says why a failing file fails, as promtool does', () => {
    const r = runRulesTestFile(path.join(dir, 'failing.yml'));
    expect(r.errors.join('\n')).toContain('expr: "test", time: 0s,\n        exp: {__name__="test"} 1E+00\n        got: {__name__="test"} 0E+00');
    expect(r.errors.join('\n')).toContain('alertname: InstanceDown, time: 5m');
    expect(runRulesTestFile(path.join(dir, 'bad-rules-error-test.yml')).errors.join('\n')).toMatch(/rule: joined, time: 0s, err: found duplicate series for the match group/);
    expect(runRulesTestFile(path.join(dir, 'bad-rules-syntax-test.yml')).errors.join('\n')).toMatch(/bad-rules-syntax\.yml:7: could not parse expression/);
  });

  const tmp = mkdtempSync(path.join(tmpdir(), 'opsbook-promtool-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('unittest.yml (promtool: exit 0) passes once its native-histogram series and expectations are taken out', () => {
    // Native histograms are out of opsbook's scope; everything else in the file must pass unchanged.
    const spec = parse(readFileSync(path.join(dir, 'unittest.yml'), 'utf8')) as { tests: { input_series?: { values: string }[]; promql_expr_test?: { exp_samples?: { histogram?: string }[] }[] }[] };
    let removed = 0;
    for (const t of spec.tests) {
      const before = (t.input_series?.length ?? 0) + (t.promql_expr_test?.length ?? 0);
      if (t.input_series) t.input_series = t.input_series.filter((s) => !String(s.values).includes('{{'));
      if (t.promql_expr_test) t.promql_expr_test = t.promql_expr_test.filter((p) => !(p.exp_samples ?? []).some((s) => s.histogram));
      removed += before - (t.input_series?.length ?? 0) - (t.promql_expr_test?.length ?? 0);
    }
    expect(removed).toBe(6);
    writeFileSync(path.join(tmp, 'unittest.yml'), stringify(spec));
    copyFileSync(path.join(dir, 'rules.yml'), path.join(tmp, 'rules.yml'));
    expect(runRulesTestFile(path.join(tmp, 'unittest.yml')).errors).toEqual([]);
    expect(runRulesTestFile(path.join(dir, 'unittest.yml')).errors.join('\n')).toMatch(/native histogram/);
  });
});
