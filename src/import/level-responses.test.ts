import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose, type Proposal } from './index.js';

const seedsDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');
const seed = async (n: number): Promise<Proposal> => {
  const name = (await readdir(seedsDir)).sort()[n]!;
  return propose([{ text: await readFile(path.join(seedsDir, name), 'utf8'), ref: name }]);
};
const responses = (p: Proposal): Record<string, unknown> => Object.fromEntries(p.items.filter((i) => i.section === 'severities').map((i) => [i.id, i.body.response]));

describe('a severity ladder without response times takes them from the escalation table', () => {
  it('seed 000: P1–P3 take L1–L3 (15 min, 1 hour, 4 hours); P4, past the last level, stays a TODO', async () => {
    const r = responses(await seed(0));
    expect(r.P1).toBe('15m');
    expect(r.P2).toBe('1h');
    expect(r.P3).toBe('4h');
    expect(String(r.P4)).toMatch(/^\$\{TODO_/);
  });

  it('a ladder of other ids and an escalation table of tiers, in minutes and days', () => {
    const text = [
      '# Billing', '', '## Who answers', '', '| Tier | Contact | Response Time |', '|---|---|---|', '| Tier 1 | Support desk | 30 minutes |', '| Tier 2 | Billing engineers | 2 days |', '',
      '## Severities', '', '| Severity | Meaning |', '|---|---|', '| SEV1 | Payments down |', '| SEV2 | Invoices late |', '| SEV3 | Typo |', '',
    ].join('\n');
    const r = responses(propose([{ text, ref: 'billing.md' }]));
    expect(r).toMatchObject({ SEV1: '30m', SEV2: '48h' });
    expect(String(r.SEV3)).toMatch(/^\$\{TODO_/);
  });

  it('a ladder with its own response times keeps them', () => {
    const text = [
      '# Shop', '', '| Level | Contact | Response Time |', '|---|---|---|', '| L1 | On-call | 5 min |', '',
      '| Severity | Description | Response Time |', '|---|---|---|', '| P1 | Outage | 15 min |', '| P2 | Degraded | 1 hour |', '',
    ].join('\n');
    expect(responses(propose([{ text, ref: 'shop.md' }]))).toEqual({ P1: '15m', P2: '1h' });
  });
});
