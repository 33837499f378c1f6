import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compare, formatComparison } from './compare.js';
import { propose } from './index.js';

const runbook = [
  '# Shop', '', '| Severity | Description | Response Time |', '|---|---|---|', '| SEV1 | Outage | 15 min |', '| SEV2 | Degraded | 1 hour |', '',
  '## Monitoring', '', '```bash', 'curl https://shop.io/health', '```', '', '**Alerts**:', '- Error rate > 5% for 5 minutes', '',
].join('\n');

describe('opsbook import --compare', () => {
  it('counts an example item found only when its numbers match, and names what is missing', () => {
    const example = parse(`
severities:
  - { id: SEV1, response: 15m }
  - { id: SEV2, response: 2h }
checks:
  - { id: health, kind: http, url: "\${WORLD_URL}/health" }
  - { id: errors, kind: metrics, url: "\${WORLD_URL}/metrics", gauge: "\${ERRORS}" }
rules:
  - { id: error-rate, check: errors, condition: "value > 5%", for: 5m, severity: SEV2 }
  - { id: error-rate-fast, check: errors, condition: "value > 5%", for: 1m }
`) as Record<string, unknown>;
    const c = compare(propose([{ text: runbook, ref: 'shop.md' }]), example);
    expect(c.byKind).toEqual({
      severities: { found: 1, total: 2 },
      checks: { found: 1, total: 2 },
      rules: { found: 0, total: 2 },
      'rule severities': { found: 0, total: 1 },
    });
    expect(c.missing).toContain('severities: SEV2 response 2h');
    expect(formatComparison('shop', c).split('\n')[0]).toBe('shop: 2/7 items found with correct numbers (29%)');
  });

  it('runs on the example of a seed and finds some of it', async () => {
    const dir = path.resolve(import.meta.dirname, '../../examples/novapulse');
    const example = parse(await readFile(path.join(dir, 'ops.yaml'), 'utf8')) as Record<string, unknown>;
    const c = compare(propose([{ text: await readFile(path.join(dir, 'runbooks/novapulse.md'), 'utf8'), ref: 'runbooks/novapulse.md' }]), example);
    expect(c.total).toBeGreaterThan(10);
    expect(c.found).toBeGreaterThan(0);
    expect(c.found).toBeLessThanOrEqual(c.total);
  });
});
