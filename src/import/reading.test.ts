import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { propose, type Item, type Proposal } from './index.js';

const seedsDir = path.resolve(import.meta.dirname, '../../test/fixtures/runbooks/seeds');
const seed = async (n: number): Promise<Proposal> => {
  const name = (await readdir(seedsDir)).sort()[n]!;
  return propose([{ text: await readFile(path.join(seedsDir, name), 'utf8'), ref: name }]);
};
const one = (lines: string[]): Proposal => propose([{ text: lines.join('\n'), ref: 'ops.md' }]);
const section = (p: Proposal, s: string): Item[] => p.items.filter((i) => i.section === s);
const CHANNEL = /pagerduty|opsgenie|phone|slack|e-?mail|sms|teams|victorops|pager\b/i;

describe('import tells people from channels', () => {
  it('seed 002: "On-call Engineer | PagerDuty", "VP Engineering | Phone" page the roles; no user is named after a channel', async () => {
    const p = await seed(2);
    expect(section(p, 'users').map((u) => u.id)).toEqual(['django-finance-on-call-engineer', 'django-finance-engineering-lead', 'django-finance-vp-engineering']);
    const lead = section(p, 'users').find((u) => u.id === 'django-finance-engineering-lead')!;
    expect(lead.notes.join(' ')).toMatch(/Slack #eng-leads/);
  });

  it('no seed names a user after a channel', async () => {
    for (const n of [0, 1, 2, 3, 4]) for (const u of section(await seed(n), 'users')) expect(u.id, `${n}`).not.toMatch(CHANNEL);
  });

  it('another shape: a Tier | Contact table with Opsgenie, e-mail and a #channel', () => {
    const p = one(['# Shop', '', '## Escalation', '', '| Tier | Contact | Response Time |', '|---|---|---|', '| Primary on-call | Opsgenie | 10 min |', '| Store manager | email | 1 hour |', '| Platform team | #platform-oncall | 4 hours |', '']);
    expect(section(p, 'users').map((u) => u.id)).toEqual(['shop-primary-on-call', 'shop-store-manager', 'shop-platform-team']);
    expect((section(p, 'escalation_policies')[0]!.body.steps as { timeout: string }[]).map((s) => s.timeout)).toEqual(['10m', '1h', '4h']);
  });
});

describe('import leaves deploy-time hosts out', () => {
  it('seed 002: the blue/green deploy’s http://green and http://app are not checks', async () => {
    const urls = section(await seed(2), 'checks').map((c) => `${String(c.body.url)} ${c.notes.join(' ')}`);
    expect(urls.filter((u) => /green|\/\/app\//i.test(u))).toEqual([]);
  });

  it('seed 004: the restore drill’s staging host is not a check', async () => {
    const urls = section(await seed(4), 'checks').map((c) => `${String(c.body.url)} ${c.notes.join(' ')}`);
    expect(urls.filter((u) => /staging/i.test(u))).toEqual([]);
    expect(urls.some((u) => /\/health\b/.test(u))).toBe(true);
  });

  it('another shape: canary and preview hosts, and curls under a release heading, are not checks; the service’s own probe is', () => {
    const p = one([
      '# Shop', '', '## Monitoring', '', '```bash', 'curl https://shop.io/health', '```', '',
      '## Canary Release', '', '```bash', 'curl https://shop.io/ready', '```', '',
      '## Smoke', '', '```bash', 'curl https://canary.shop.io/health', 'curl https://preview-42.shop.io/health', '```', '',
    ]);
    expect(section(p, 'checks').map((c) => c.notes[0])).toEqual(['the runbook runs: curl https://shop.io/health']);
  });
});

describe('import reads units', () => {
  it('seed 003: "Average query latency > 100ms" read from avg_latency_ms compares 100, not 0.1', async () => {
    const p = await seed(3);
    const rule = section(p, 'rules').find((r) => r.id === 'high-query-latency')!;
    expect(rule.body.condition).toBe('value > 100');
    expect(section(p, 'checks').find((c) => c.id === rule.body.check)!.notes.join(' ')).toMatch(/milliseconds/);
  });

  it('another shape: a metric named in seconds keeps seconds, one named in ms gets milliseconds', () => {
    const body = (metric: string): string[] => [
      '# Shop', '', '## Slow Checkout', '', '**Symptoms**:', '- Checkout latency > 2s', '', '**Diagnosis**:', '```bash', `curl -s https://shop.io/metrics | grep ${metric}`, '```', '',
    ];
    expect(section(one(body('checkout_latency_ms')), 'rules')[0]!.body.condition).toBe('value > 2000');
    expect(section(one(body('checkout_latency_seconds')), 'rules')[0]!.body.condition).toBe('value > 2');
  });
});
