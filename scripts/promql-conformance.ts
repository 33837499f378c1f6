/**
 * `npm run promql:conformance`: runs Prometheus' promqltest scripts against opsbook's evaluator, then writes the list
 * of passing cases (test/promql/conformance.json, each other case with its reason) and the table in docs/promql.md.
 * test/promql/conformance.test.ts fails when a listed case stops passing or the table is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { replaceRegion } from '../src/config/doc-regions.js';
import { conformanceTable, exclusionReason, LIST, runConformance, TAG, type ConformanceList } from '../test/promql/conformance.js';

const results = runConformance();
const list: ConformanceList = { tag: TAG, passing: [], excluded: {} };
for (const cases of results.values()) {
  for (const c of cases) {
    if (c.ok) list.passing.push(c.id);
    else list.excluded[c.id] = exclusionReason(c);
  }
}
writeFileSync(LIST, `${JSON.stringify(list, null, 2)}\n`);
const docs = fileURLToPath(new URL('../docs/promql.md', import.meta.url));
writeFileSync(docs, replaceRegion(readFileSync(docs, 'utf8'), 'promql-conformance', conformanceTable(results)));
console.log(conformanceTable(results));
