import { describe, expect, it } from 'vitest';
import { propose } from './index.js';

const RUNBOOK = `# Shop

## Objectives

| Metric | Target |
|--------|--------|
| 5xx errors | < 0.5% |
| 4xx errors | < 2% |
| Refunds failed | < 0.1% |

## Alerting

\`\`\`bash
# Error rate
curl -s http://prom.test/api/v1/query --data-urlencode 'query=rate(shop_http_total{code=~"5.."}[5m]) / rate(shop_http_total[5m])'
\`\`\`
`;

describe('import: the check an error-ratio objective is measured on', () => {
  const proposal = propose([{ text: RUNBOOK, ref: 'shop.md' }]);
  const slo = (id: string): Record<string, unknown> => proposal.items.find((i) => i.section === 'slos' && i.id === id)!.body;
  const check = (id: unknown): Record<string, unknown> | undefined => proposal.items.find((i) => i.section === 'checks' && i.id === id)?.body;

  it('a status class is the share of the request counter the runbook reads by status', () => {
    expect(check(slo('shop-4xx-errors').check)).toMatchObject({ kind: 'metrics', ratio: { of: 'shop_http_total{code=~"4.."}', over: 'shop_http_total' } });
    expect(check(slo('shop-5xx-errors').check)).toMatchObject({ kind: 'metrics', ratio: { of: 'shop_http_total{code=~"5.."}', over: 'shop_http_total' } });
  });

  it('a ratio the runbook never says where to read is a check whose selector is a TODO, never guessed', () => {
    const c = check(slo('shop-refunds-failed').check);
    expect(c).toMatchObject({ kind: 'metrics' });
    expect(String(c?.gauge)).toMatch(/^\$\{TODO_/);
  });

  it('none of those checks pages: they carry no level, and their rules are the least urgent', () => {
    const ids = ['shop-4xx-errors', 'shop-refunds-failed'].map((s) => slo(s).check);
    for (const r of proposal.items.filter((i) => i.section === 'rules' && ids.includes(i.body.check))) expect(r.body.severity).toBe('P4');
  });
});
