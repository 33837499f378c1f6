import { describe, expect, it } from 'vitest';
import { propose } from './index.js';

const RUNBOOK = (worker: string): string => `# Billing

## Start

\`\`\`bash
${worker}
\`\`\`

## Key Metrics

| Metric | Warning | Critical |
|--------|---------|----------|
| Celery queue size | > 50 | > 200 |
`;

const queueCheck = (text: string): Record<string, unknown> | undefined =>
  propose([{ text, ref: 'billing.md' }]).items.find((i) => i.section === 'checks' && i.id === 'billing-celery-queue-size')?.body;

describe('import: a threshold on the Celery queue', () => {
  it('is the length of the broker list of the queue the workers consume (the default queue without -Q)', () => {
    expect(queueCheck(RUNBOOK('celery -A billing worker -l INFO'))).toMatchObject({ kind: 'redis', key: 'celery', warning: ['[LENGTH] > 50'], critical: ['[LENGTH] > 200'] });
  });

  it('of the one named queue', () => {
    expect(queueCheck(RUNBOOK('celery -A billing worker -Q invoices'))).toMatchObject({ kind: 'redis', key: 'invoices' });
  });

  it('stays a TODO metric when the workers consume several queues and the row names none of them', () => {
    const c = queueCheck(RUNBOOK('celery -A billing worker -Q invoices,mail'));
    expect(c?.kind).toBe('metrics');
    expect(String(c?.gauge)).toMatch(/^\$\{TODO_/);
  });
});
