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

describe('lintRunbook: what runbooks in the wild get wrong', () => {
  const lint = (text: string, file = 'x.md') => lintRunbook(parseRunbook(text, { file })).map((f) => `${f.code}@${f.line}`);

  it('warns about a file with no procedure at all', () => {
    expect(lint('# Notes about the ledger\n\nThe ledger keeps entries.\n\n## History\n\nIt was written in 2019.\n')).toContain('no-procedure@1');
    expect(lint('# X\n\n## Diagnosis\n\n```bash\nls\n```\n\n## Mitigation\n\n```bash\nrm -f x\n```\n\n## Verification\n\n```bash\nls\n```\n')).not.toContain('no-procedure@1');
  });

  it('counts a "Diagnosis and mitigation" phase as diagnosis', () => {
    expect(lint('# X\n\n## Overview\n\nBad.\n\n## Diagnosis and mitigation\n\n```bash\nkubectl rollout undo deploy/x\n```\n').filter((c) => c.startsWith('no-diagnosis'))).toEqual([]);
  });

  it('warns about a command whose effect is unknown, at its own line', () => {
    expect(lint('# X\n\n## Diagnosis\n\n```bash\nkubectl get pods\n./fix-everything.sh --now\n```\n')).toContain('unknown-effect@7');
  });

  it('warns about commands that never end', () => {
    const codes = lint('# X\n\n## Diagnosis\n\n```bash\ntail -f /var/log/app.log\nkubectl logs -f deploy/web -n shop\njournalctl -u app -f\nkubectl get pods -w\nwatch kubectl get pods\nkubectl logs deploy/web --tail=50\n```\n');
    expect(codes.filter((c) => c.startsWith('non-terminating'))).toEqual(['non-terminating@6', 'non-terminating@7', 'non-terminating@8', 'non-terminating@9', 'non-terminating@10']);
  });

  it('warns about reads that stall a production Redis, in commands and in redis-cli sessions', () => {
    const codes = lint('# X\n\n## Diagnosis\n\n```bash\nredis-cli -h cache KEYS "sess:*"\nredis-cli -h cache --scan --pattern "sess:*"\nkubectl exec deploy/redis -- redis-cli KEYS "*"\nredis-cli\n> KEYS *\n```\n');
    expect(codes.filter((c) => c.startsWith('dangerous-read'))).toEqual(['dangerous-read@6', 'dangerous-read@8', 'dangerous-read@10']);
  });

  it('warns about a placeholder never given a value, not about one a command sets', () => {
    const findings = lintRunbook(parseRunbook('# X\n\n## Diagnosis\n\n```bash\nPOD=$(kubectl get pods -o name | head -1)\n```\n\n```bash\nkubectl logs $POD -n $NAMESPACE\n```\n'));
    const unset = findings.filter((f) => f.code === 'placeholder-unexplained');
    expect(unset.map((f) => [f.line, f.message])).toEqual([[9, 'placeholder $NAMESPACE is never given a value: no command sets it and the runbook does not say what it is']]);
  });

  it('passes front matter warnings through with their line', () => {
    const rb = parseRunbook('---\ntitle: A\ntitle: B\n---\n## Diagnosis\n\n```bash\nls\n```\n\n## Mitigation\n\n```bash\nls\n```\n');
    expect(rb.warnings.map((w) => `${w.code}@${w.line}`)).toEqual(['front-matter-duplicate-key@3']);
    expect(rb.title).toBe('B');
  });
});
