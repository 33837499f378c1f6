import { describe, expect, it } from 'vitest';
import { lintRunbook, parseRunbook } from './index.js';

const DOC = `# Payments

See [the restore](#restore) and [missing](#no-such-heading).

## Troubleshooting

### Ledger stuck

**Symptoms:**
- Ledger lag grows

**Resolution:**
1. Drop the queue
   \`\`\`bash
   redis-cli -h $LEDGER_REDIS DEL ledger:queue
   \`\`\`

## Restore

\`\`\`
kubectl get pods -n <namespace>
\`\`\`

## Empty

## Notes

LEDGER_REDIS is the ledger Redis host.
`;

describe('lintRunbook', () => {
  const findings = lintRunbook(parseRunbook(DOC, { file: 'payments.md' }));
  const codes = findings.map((f) => `${f.code}@${f.line}`);
  it('warns about a procedure with no diagnosis', () => expect(codes).toContain('no-diagnosis@7'));
  it('warns about a destructive step with no verification after it', () => expect(codes).toContain('destructive-unverified@14'));
  it('warns about a placeholder nothing explains, not one the prose explains', () => {
    expect(findings.find((f) => f.code === 'placeholder-unexplained')?.message).toContain('<namespace>');
    expect(findings.some((f) => f.message.includes('$LEDGER_REDIS'))).toBe(false);
  });
  it('warns about a block with no language', () => expect(codes).toContain('block-no-language@20'));
  it('warns about a broken link inside the document only', () => {
    expect(findings.filter((f) => f.code === 'broken-link').map((f) => f.message)).toEqual(['link to #no-such-heading points to no heading in this document']);
  });
  it('warns about an empty section', () => expect(codes).toContain('empty-section@24'));
  it('says nothing when a destructive step is verified', () => {
    const ok = lintRunbook(parseRunbook('# X\n\n## Incidents\n\n### Stuck\n\n**Diagnosis:**\n```bash\nredis-cli LLEN q\n```\n\n**Resolution:**\n```bash\nredis-cli DEL q\n```\n\n**Verification:**\n```bash\nredis-cli LLEN q\n```\n'));
    expect(ok).toEqual([]);
  });
});
