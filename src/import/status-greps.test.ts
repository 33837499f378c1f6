import { describe, expect, it } from 'vitest';
import { propose } from './index.js';

const checksOf = (text: string): Record<string, Record<string, unknown>> =>
  Object.fromEntries(propose([{ text, ref: 'shop.md' }]).items.filter((i) => i.section === 'checks').map((i) => [i.id, i.body]));

const RUNBOOK = `# Shop

### Failing Checkouts

**Symptoms:**
- Checkout error rate >3%

**Diagnosis:**

1. **Count failures**
   \`\`\`bash
   curl http://shop.test/metrics | grep shop_requests_total | grep 'code="5'
   \`\`\`
`;

describe("import: a request counter grepped for one status class is that class's share", () => {
  it('"error rate > 3%" reads the 5xx share of the counter the runbook greps', () => {
    const check = Object.values(checksOf(RUNBOOK)).find((c) => c.kind === 'metrics');
    expect(check).toMatchObject({ ratio: { of: 'shop_requests_total{code=~"5.."}', over: 'shop_requests_total' } });
  });

  it('without the status grep the percentage stays a TODO (a counter is not a share)', () => {
    const check = Object.values(checksOf(RUNBOOK.replace(` | grep 'code="5'`, ''))).find((c) => c.kind === 'metrics');
    expect(String(check?.gauge)).toMatch(/^\$\{TODO_/);
  });
});
