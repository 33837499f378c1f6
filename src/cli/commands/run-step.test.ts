import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../test/support/cli.js';
import { scaled } from '../../../test/support/timing.js';

const RUNBOOK = `# Checks

## RB-1: Morning checks

**Diagnosis:**
1. Look at the disk
   \`\`\`bash
   echo "disk ok"
   \`\`\`
2. Look at the load
   \`\`\`bash
   echo "load ok"
   \`\`\`

**Resolution:**
\`\`\`bash
touch restarted.flag
\`\`\`
`;

// `runbook show` numbers steps as `run --step` counts them, and one read step run on its own is a success.
describe('runbook show and run --step', { timeout: scaled(180_000) }, () => {
  let dir: string;
  const env = { OPSBOOK_USER: 'ana' };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsbook-run-step-'));
    await mkdir(join(dir, 'runbooks'));
    await writeFile(join(dir, 'runbooks', 'checks.md'), RUNBOOK);
    await writeFile(join(dir, 'ops.yaml'), ['users:', '  - { name: ana, role: responder }', 'services:', '  - id: web', '    shell: {}', 'runbooks: [runbooks/*.md]', ''].join('\n'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('show prints the step numbers run --step takes, and says so', async () => {
    const show = await runCli(['runbook', 'show', 'runbooks/checks.md'], { cwd: dir, env });
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('opsbook run FILE#RB-1 --step N');
    expect(show.stdout).toMatch(/^\s+1\. Look at the disk/m);
    expect(show.stdout).toMatch(/^\s+2\. Look at the load/m);
    expect(show.stdout).toMatch(/^\s+3\. \(code\)/m);
    const plan = await runCli(['run', 'runbooks/checks.md#RB-1', '--dry-run'], { cwd: dir, env });
    expect(plan.stdout).toMatch(/^2\. Look at the load/m);
  });

  it('run --step N of a read step prints its output and exits 0', async () => {
    const r = await runCli(['run', 'runbooks/checks.md#RB-1', '--step', '2'], { cwd: dir, env });
    expect(r.stdout).toContain('load ok');
    expect(r.stdout).not.toContain('disk ok');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/step 2 completed/);
  });

  it('run --step N of a step that fails exits 1', async () => {
    await writeFile(join(dir, 'runbooks', 'fail.md'), '# Fail\n\n## RB-2: Broken\n\n**Diagnosis:**\n```bash\ncat /nonexistent/opsbook-file\n```\n');
    const r = await runCli(['run', 'runbooks/fail.md#RB-2', '--step', '1'], { cwd: dir, env });
    expect(r.code).toBe(1);
  });
});
