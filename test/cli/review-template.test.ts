/**
 * `review.template` in ops.yaml: `opsbook incident review` carries the template's sections, answers
 * what opsbook recorded (detection, response times) and lists the questions and the incident's
 * runbook Post-Incident items as open items.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, serveCli, type ServedCli } from '../support/cli.js';

const RUNBOOK = `# Library runbook

### Cache Failure

**Diagnosis**:
1. Check Redis
   \`\`\`bash
   redis-cli ping
   \`\`\`

**Post-Incident**:
- Review Redis monitoring
- Consider Redis cluster for HA
`;

const OPS = `users:
  - name: ana
    role: responder
runbooks:
  files: [runbooks/*.md]
review:
  template:
    - section: Detection
      answer: detection
    - section: Response
      answer: response_times
    - section: Post-incident checklist
      questions: [Document root cause]
      from_runbook: true
    - section: Customer impact
`;

describe('opsbook incident review with review.template', () => {
  let server: ServedCli | undefined;
  let token: string;

  beforeAll(async () => {
    server = await serveCli('review-template', { 'ops.yaml': OPS, 'runbooks/library.md': RUNBOOK });
    token = (await runCli(['token', 'create', '--user', 'ana', '--config', server.config])).stdout.trim();
  });

  afterAll(async () => {
    await server?.close();
  });

  async function open(body: Record<string, unknown>): Promise<string> {
    const res = await fetch(`${server!.url}/api/incidents`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  it('answers what opsbook knows and leaves the questions and the procedure’s Post-Incident items open', async () => {
    const id = await open({ title: 'Redis down', severity: 'P2', runbook: 'runbooks/library.md#cache-failure' });
    expect((await runCli(['incident', 'ack', id, '--config', server!.config, '--as', 'ana'])).code).toBe(0);
    const review = await runCli(['incident', 'review', id, '--config', server!.config]);
    expect(review.code, review.stderr).toBe(0);
    const md = review.stdout;
    expect(md).toMatch(/^## Detection\n\n- Opened by hand: no alert detected it\.\n- Acknowledged \d+ (ms|s|min)( \d+ s)? after opening by ana \(/m);
    expect(md).toMatch(/^## Response\n\n\| measure \| time \| against target \|/m);
    expect(md).toContain('## Post-incident checklist\n\n- [ ] Document root cause\n- [ ] Review Redis monitoring\n- [ ] Consider Redis cluster for HA\n');
    expect(md).toContain('## Customer impact\n\n- [ ] (to be written)\n');
    expect(md.indexOf('## Detection')).toBeLessThan(md.indexOf('## Customer impact'));
  });

  it('has no runbook items for an incident without a runbook, but keeps the questions', async () => {
    const id = await open({ title: 'Something odd', severity: 'P3' });
    const review = await runCli(['incident', 'review', id, '--config', server!.config]);
    expect(review.code, review.stderr).toBe(0);
    expect(review.stdout).toContain('## Post-incident checklist\n\n- [ ] Document root cause\n\n');
    expect(review.stdout).not.toContain('Review Redis monitoring');
  });
});

describe('review.template validation', () => {
  it('refuses an answer opsbook cannot give, with its path', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-review-bad-'));
    try {
      fs.writeFileSync(path.join(dir, 'ops.yaml'), 'review:\n  template:\n    - section: Root cause\n      answer: root_cause\n');
      const r = await runCli(['validate', path.join(dir, 'ops.yaml')]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toMatch(/review\.template\[0\]\.answer/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
