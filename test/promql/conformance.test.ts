import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readRegion } from '../../src/config/doc-regions.js';
import { conformanceTable, floatPassRate, LIST, runConformance, TAG, type ConformanceList } from './conformance.js';

const list = JSON.parse(readFileSync(LIST, 'utf8')) as ConformanceList;
const results = runConformance();
const cases = [...results.values()].flat();

describe(`PromQL conformance: Prometheus ${TAG} promqltest scripts`, () => {
  it('the list was made from the same tag', () => {
    expect(list.tag).toBe(TAG);
  });

  it('every case listed as passing passes', () => {
    const byId = new Map(cases.map((c) => [c.id, c]));
    const broken = list.passing.filter((id) => !byId.get(id)?.ok).map((id) => `${id} ${byId.get(id)?.expr ?? '(no such case)'}: ${byId.get(id)?.reason ?? ''}`);
    expect(broken).toEqual([]);
  });

  it('every case is listed, and each one left out says why', () => {
    const listed = new Set([...list.passing, ...Object.keys(list.excluded)]);
    expect(cases.filter((c) => !listed.has(c.id)).map((c) => c.id)).toEqual([]);
    expect(Object.entries(list.excluded).filter(([, why]) => why.trim() === '')).toEqual([]);
  });

  it('passes at least 90 % of the float cases, and docs/promql.md shows the current figures', () => {
    const table = conformanceTable(results);
    console.log(`\n${table}\n`);
    expect(floatPassRate(results)).toBeGreaterThanOrEqual(0.9);
    const docs = readFileSync(fileURLToPath(new URL('../../docs/promql.md', import.meta.url)), 'utf8');
    expect(readRegion(docs, 'promql-conformance'), 'run `npm run promql:conformance`').toBe(table);
  });
});
