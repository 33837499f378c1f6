import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose, type Proposal } from './index.js';

const seedsDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');
const seed = async (n: number): Promise<Proposal> => {
  const name = (await readdir(seedsDir)).sort()[n]!;
  return propose([{ text: await readFile(path.join(seedsDir, name), 'utf8'), ref: name }]);
};
const body = (p: Proposal, section: string, id: string): Record<string, unknown> | undefined => p.items.find((i) => i.section === section && i.id === id)?.body;

describe('an error rate the runbook queries without a threshold', () => {
  it('seed 000: "# Error rate" over one counter is the share its status label picks; any error for the query’s 5m, not paging', async () => {
    const p = await seed(0);
    const check = body(p, 'checks', 'nxentra-error-rate')!;
    expect(check).toMatchObject({ kind: 'metrics', ratio: { of: expect.stringMatching(/_count\{status="5xx"\}$/), over: expect.stringMatching(/_count$/) } });
    expect(body(p, 'rules', 'nxentra-error-rate-alert')).toMatchObject({ check: 'nxentra-error-rate', condition: 'value > 0', for: '5m', severity: 'P4' });
  });

  it('a runbook of another shape: a summed rate with other labels kept, over 10m; a query with no error words is not one', () => {
    const text = [
      '# Gateway', '', '## Dashboards', '', '```promql', '# Failed requests (errors) per route',
      'sum(rate(gw_requests_total{route="/pay",code=~"5.."}[10m]))', '', '# Traffic', 'rate(gw_requests_total{code="200"}[1m])', '```', '',
    ].join('\n');
    const p = propose([{ text, ref: 'gw.md' }]);
    const checks = p.items.filter((i) => i.section === 'checks' && i.body.kind === 'metrics');
    expect(checks.map((c) => c.body.ratio)).toEqual([{ of: 'gw_requests_total{route="/pay",code=~"5.."}', over: 'gw_requests_total{route="/pay"}' }]);
    expect(p.items.find((i) => i.section === 'rules' && i.body.check === checks[0]!.id && i.body.condition !== undefined)?.body).toMatchObject({ condition: 'value > 0', for: '10m' });
  });
});
