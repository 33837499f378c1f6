import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose, type Item, type Proposal } from './index.js';

const seedsDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');
const seed = async (n: number): Promise<Proposal> => {
  const name = (await readdir(seedsDir)).sort()[n]!;
  return propose([{ text: await readFile(path.join(seedsDir, name), 'utf8'), ref: name }]);
};
const queries = (p: Proposal): Item[] => p.items.filter((i) => i.section === 'checks' && i.body.kind === 'postgres' && /^SELECT count\(\*\) FROM \(/.test(String(i.body.query)));
const ruleOn = (p: Proposal, check: Item): Item | undefined => p.items.find((i) => i.section === 'rules' && i.body.check === check.id && i.body.condition !== undefined);

describe('a diagnosis query that looks for problem rows is a check counting them', () => {
  it('seed 000: RB-004’s gap query runs over every company (the placeholder dropped, HAVING as the outer filter); RB-001’s paused and failing bookmarks; not the integrity listing', async () => {
    const p = await seed(0);
    const found = queries(p);
    expect(found.map((c) => c.id)).toEqual(['nxentra-paused-projections', 'nxentra-errors', 'nxentra-gaps-in-company-sequence']);
    const gaps = found[2]!;
    expect(gaps.body.query).toMatch(/^SELECT count\(\*\) FROM \(SELECT company_id, .* FROM events_businessevent\) AS found WHERE gap > 1$/);
    expect(gaps.body.query).not.toMatch(/= X\b/);
    expect(gaps.body.runbook).toBe('000_a7f4e4757f99016a.txt#RB-004');
    // No threshold and no severity in the runbook: any row, at the least urgent severity.
    expect(ruleOn(p, gaps)?.body).toMatchObject({ condition: 'value > 0', severity: 'P4' });
  });

  it('a runbook of another shape: an sql block with `<id>` placeholders and an ORDER BY; a listing and a system catalog are left alone', () => {
    const text = [
      '# Orders', '', '## Incidents', '', '### Stuck orders', '', '**Severity**: P2', '', '**Symptoms**:', '- Orders stay pending', '', '**Diagnosis**:', '```sql',
      '-- Find stuck orders',
      "SELECT id, state FROM orders WHERE state = 'pending' AND shop_id = <shop_id> ORDER BY created_at;",
      '', '-- List recent orders', 'SELECT id FROM orders ORDER BY created_at DESC LIMIT 10;',
      '', '-- Check for blocked sessions', 'SELECT * FROM pg_stat_activity WHERE wait_event IS NOT NULL;', '```', '', '**Resolution**:', '1. Requeue the orders', '',
    ].join('\n');
    const p = propose([{ text, ref: 'orders.md' }]);
    const found = queries(p);
    expect(found).toHaveLength(1);
    expect(found[0]!.body.query).toBe("SELECT count(*) FROM (SELECT id, state FROM orders WHERE state = 'pending') AS found");
    // The procedure's own severity is for the procedure, not for this guess: the rule does not page.
    expect(ruleOn(p, found[0]!)?.body.severity).toBe('P4');
  });
});
