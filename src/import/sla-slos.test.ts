import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose, type Proposal } from './index.js';

const seedsDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');
const seed = async (n: number): Promise<Proposal> => {
  const name = (await readdir(seedsDir)).sort()[n]!;
  return propose([{ text: await readFile(path.join(seedsDir, name), 'utf8'), ref: name }]);
};
const slos = (p: Proposal): Record<string, unknown>[] => p.items.filter((i) => i.section === 'slos' && i.body.kind === 'latency').map((i) => i.body);

describe('an endpoint table’s response-time bound becomes a latency SLO whose objective is left open', () => {
  it('seed 000: <10ms, <100ms, <1s, <500ms in milliseconds on their checks, objective a TODO, no alerts', async () => {
    const found = slos(await seed(0));
    expect(found.map((s) => [(s.checks as string[])[0], s.threshold])).toEqual([
      ['nxentra-health-live', '10ms'],
      ['nxentra-health-ready', '100ms'],
      ['nxentra-health-full', '1000ms'],
      ['nxentra-metrics', '500ms'],
    ]);
    for (const s of found) {
      expect(String(s.objective)).toMatch(/^\$\{TODO_NXENTRA_\w+_SLA_OBJECTIVE\}$/);
      expect(s.alerts).toBe(false);
    }
  });

  it('a table of other columns, in seconds, with a row that gives no bound', () => {
    const text = [
      '# Maps', '', '## Endpoints', '', '| Endpoint | Purpose | Auth | Expected |', '|---|---|---|---|',
      '| `/healthz` | Liveness | No | < 2 seconds |', '| `/tiles` | Tile server | Yes | cached |', '', '```bash', 'curl https://maps.example.test/healthz', '```', '',
    ].join('\n');
    const found = slos(propose([{ text, ref: 'maps.md' }]));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ checks: ['maps-healthz'], threshold: '2000ms', objective: '${TODO_MAPS_HEALTHZ_SLA_OBJECTIVE}', alerts: false });
  });
});
