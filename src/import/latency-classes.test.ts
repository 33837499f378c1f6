import { describe, expect, it } from 'vitest';
import { propose } from './index.js';

const RUNBOOK = `# Catalog

## Targets

| Request kind | p50 | p99 |
|---|---|---|
| Health checks | 20ms | 80ms |
| Search | 300ms | 1.2s |
| Checkout | 800ms | 3s |

\`\`\`bash
curl https://catalog.test/healthz
\`\`\`
`;

describe('import: a latency table row naming a class of request, no endpoint', () => {
  it('is an http check whose URL stays a TODO, with the row’s SLOs on it', () => {
    const { items, todos } = propose([{ text: RUNBOOK, ref: 'catalog.md' }]);
    const search = items.find((i) => i.section === 'checks' && i.id === 'catalog-search');
    expect(search?.body).toMatchObject({ kind: 'http', url: '${TODO_CATALOG_SEARCH_URL}' });
    expect(todos.map((t) => t.name)).toContain('TODO_CATALOG_SEARCH_URL');
    const slos = items.filter((i) => i.section === 'slos' && JSON.stringify(i.body.checks) === JSON.stringify(['catalog-search']));
    expect(slos.map((s) => [s.body.percentile, s.body.threshold])).toEqual([
      ['p50', '300ms'],
      ['p99', '1200ms'],
    ]);
    // One check per row, however many percentiles; health rows keep the health checks.
    expect(items.filter((i) => i.section === 'checks' && /checkout/.test(i.id)).length).toBe(1);
    expect(items.some((i) => i.section === 'checks' && /health-checks/.test(i.id))).toBe(false);
  });

  it('pages nobody: the check’s down rule is the least urgent and the SLOs raise no alerts', () => {
    const { items } = propose([{ text: RUNBOOK, ref: 'catalog.md' }]);
    const rules = items.filter((i) => i.section === 'rules' && i.body.check === 'catalog-search');
    expect(rules.length).toBeGreaterThan(0);
    for (const r of rules) expect(r.body.severity).toBe('P4');
    for (const s of items.filter((i) => i.section === 'slos' && i.body.kind === 'latency')) expect(s.body.alerts).toBe(false);
  });
});
