import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compare, notInRunbook, propose, type Comparison } from './index.js';

const examples = path.resolve(import.meta.dirname, '../../examples');

/** `opsbook import --compare examples/NAME`, in process: the example's runbook, its config and its marks. */
async function compareExample(name: string, runbook: string): Promise<Comparison> {
  const dir = path.join(examples, name);
  const configText = await readFile(path.join(dir, 'ops.yaml'), 'utf8');
  const text = await readFile(path.join(dir, 'runbooks', runbook), 'utf8');
  return compare(propose([{ text, ref: `runbooks/${runbook}` }]), parse(configText) as Record<string, unknown>, [text], notInRunbook(configText));
}

const SEEDS: [string, string][] = [
  ['nxentra', 'nxentra.md'],
  ['novapulse', 'novapulse.md'],
  ['django-finance', 'django-finance.md'],
  ['library', 'library.md'],
  ['apex', 'apex.md'],
];

describe('import --compare on the seed examples', () => {
  it.each(SEEDS)('%s: at least 90 % of the items its runbook states are found with correct numbers', async (name, runbook) => {
    const c = await compareExample(name, runbook);
    expect(c.found / c.total, `${name}: ${c.found}/${c.total}\n${c.missing.join('\n')}`).toBeGreaterThanOrEqual(0.9);
  });

  // A second lag check the example adds on pg_stat_replication (the runbook's own query reads
  // pg_last_xact_replay_timestamp(), which is null on the primary it says it runs on) and its level rule (docs/import.md).
  it('library: what stays missed is exactly the items docs/import.md names', async () => {
    const c = await compareExample('library', 'library.md');
    expect(c.missing).toEqual(['checks: library-replication-lag-primary (postgres pg_stat_replication)', 'rules: replication-lag-primary level']);
    expect([c.found, c.total]).toEqual([27, 29]);
  });

  it.each(SEEDS)('%s: every item left out as not stated by the runbook says why', async (name, runbook) => {
    const c = await compareExample(name, runbook);
    for (const item of c.notStated) expect(item).toMatch(/^[a-z ]+: \S.* — \S/);
  });
});
