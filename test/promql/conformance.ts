/** Runs every promqltest script under test/promql/testdata and sums the results per file. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runScript, type CaseResult } from './promqltest.js';

export const TESTDATA = path.join(import.meta.dirname, 'testdata');
export const LIST = path.join(import.meta.dirname, 'conformance.json');
/** The Prometheus tag the scripts were copied from. */
export const TAG = 'v3.5.0';

export interface ConformanceList {
  tag: string;
  passing: string[];
  excluded: Record<string, string>;
}

export function runConformance(): Map<string, CaseResult[]> {
  const out = new Map<string, CaseResult[]>();
  for (const f of readdirSync(TESTDATA).filter((n) => n.endsWith('.test')).sort()) {
    out.set(f.replace(/\.test$/, ''), runScript(f.replace(/\.test$/, ''), readFileSync(path.join(TESTDATA, f), 'utf8')));
  }
  return out;
}

/** Why a case that does not pass is left out. */
export function exclusionReason(c: CaseResult): string {
  if (c.category === 'native-histogram') return 'native histograms are out of scope';
  if (c.category === 'experimental') return 'experimental function, behind a feature flag in Prometheus';
  return c.reason ?? 'fails';
}

export function conformanceTable(results: Map<string, CaseResult[]>): string {
  const rows = ['| file | cases passing | float cases passing |', '|---|---|---|'];
  let all = 0, ok = 0, fAll = 0, fOk = 0;
  for (const [file, cases] of results) {
    const floats = cases.filter((c) => c.category === 'float');
    const p = cases.filter((c) => c.ok).length;
    const fp = floats.filter((c) => c.ok).length;
    rows.push(`| \`${file}\` | ${p} / ${cases.length} | ${fp} / ${floats.length} |`);
    all += cases.length;
    ok += p;
    fAll += floats.length;
    fOk += fp;
  }
  rows.push(`| **all** | **${ok} / ${all}** | **${fOk} / ${fAll} (${((100 * fOk) / fAll).toFixed(1)} %)** |`);
  return rows.join('\n');
}

export function floatPassRate(results: Map<string, CaseResult[]>): number {
  const floats = [...results.values()].flat().filter((c) => c.category === 'float');
  return floats.filter((c) => c.ok).length / floats.length;
}
