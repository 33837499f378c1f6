import type { FileOutcome } from './runner.js';

export interface Report {
  ok: boolean;
  /** Human-readable lines, promtool-style: `✖ test "X": expected incident P1 at 6m, got …`. */
  lines: string[];
  json: { ok: boolean; tests: number; failed: number; files: Array<{ file: string; error?: { code: string; message: string; location?: unknown }; tests: Array<{ name: string; ok: boolean; failures: string[] }> }> };
}

/** Turns outcomes into the CLI's lines and JSON; fails when anything failed or nothing ran. */
export function formatOutcomes(outcomes: readonly FileOutcome[]): Report {
  const lines: string[] = [];
  let tests = 0;
  let failed = 0;
  let broken = 0;
  for (const o of outcomes) {
    lines.push(o.file);
    if (o.error) {
      broken++;
      lines.push(`  ✖ ${o.error.code} ${o.error.describe()}`);
      continue;
    }
    for (const t of o.tests) {
      tests++;
      if (t.failures.length === 0) lines.push(`  ✔ ${t.name}`);
      else {
        failed++;
        for (const f of t.failures) lines.push(`  ✖ test "${t.name}": ${f}`);
      }
    }
  }
  const ok = failed === 0 && broken === 0 && tests > 0;
  const files = outcomes.length === 1 ? '1 file' : `${outcomes.length} files`;
  const summary = `${tests} ${tests === 1 ? 'test' : 'tests'}, ${failed} failed${broken > 0 ? `, ${broken} ${broken === 1 ? 'file' : 'files'} could not run` : ''} (${files})`;
  lines.push(tests === 0 && broken === 0 ? `no test ran (${files}; check --run)` : `${ok ? 'SUCCESS' : 'FAILED'}: ${summary}`);
  return {
    ok,
    lines,
    json: {
      ok,
      tests,
      failed,
      files: outcomes.map((o) => ({
        file: o.file,
        ...(o.error ? { error: { code: o.error.code, message: o.error.message, ...(o.error.location ? { location: o.error.location } : {}) } } : {}),
        tests: o.tests.map((t) => ({ name: t.name, ok: t.failures.length === 0, failures: t.failures })),
      })),
    },
  };
}
