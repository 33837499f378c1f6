import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { runCli } from '../../../test/support/cli.js';
import { scaled } from '../../../test/support/timing.js';

const RUNBOOK = `# Checks

## RB-1: Morning checks

**Diagnosis:**
\`\`\`bash
echo "disk ok on <host>"
\`\`\`

**Resolution:**
\`\`\`bash
touch restarted.flag
\`\`\`

**Verification:**
- [ ] Dashboard looked at
`;

// Each test starts several opsbook processes; on a loaded 2-core machine one can take seconds.
describe('opsbook run, execution and audit', { timeout: scaled(180_000) }, () => {
  let dir: string;
  const env = { OPSBOOK_USER: 'ana' };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsbook-run-cli-'));
    await mkdir(join(dir, 'runbooks'));
    await writeFile(join(dir, 'runbooks', 'checks.md'), RUNBOOK);
    await writeFile(
      join(dir, 'ops.yaml'),
      ['users:', '  - { name: ana, role: responder }', '  - { name: vic, role: viewer }', 'services:', '  - id: web', '    shell: {}', 'runbooks: [runbooks/*.md]', ''].join('\n'),
    );
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('dry-run prints exactly what would run, with parameters bound', async () => {
    const r = await runCli(['run', 'runbooks/checks.md#RB-1', '--dry-run', '--param', 'host=db-1'], { cwd: dir, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1.1 $ echo "disk ok on db-1"');
    expect(r.stdout).toContain('(shell, read)');
    expect(r.stdout).toContain('2.1 $ touch restarted.flag');
    expect(r.stdout).toMatch(/3\. Dashboard looked at \[verification, manual\]/);
  });

  it('a viewer acting with --as runs nothing, not even a read step; --dry-run still shows the plan', async () => {
    const canary = join(dir, 'viewer-ran');
    await writeFile(join(dir, 'runbooks', 'viewer.md'), `# V\n\n## RB-2: Look\n\n**Diagnosis:**\n\`\`\`bash\nfind . -name ops.yaml -exec touch ${canary} \\;\n\`\`\`\n`);
    const r = await runCli(['run', 'runbooks/viewer.md#RB-2', '--as', 'vic'], { cwd: dir, env: {} });
    expect(r.stdout).toMatch(/1\.1 refused: vic \(viewer\) may run no step/);
    expect(existsSync(canary)).toBe(false);
    const dry = await runCli(['run', 'runbooks/viewer.md#RB-2', '--as', 'vic', '--dry-run'], { cwd: dir, env: {} });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('1.1 $ find . -name ops.yaml');
  });

  it('a destructive step: --yes is not enough, --confirm with the target runs it', async () => {
    await writeFile(join(dir, 'runbooks', 'purge.md'), '# P\n\n## RB-3: Purge\n\n**Resolution:**\n```bash\nrm -rf cache\n```\n');
    await mkdir(join(dir, 'cache'), { recursive: true });
    const yes = await runCli(['run', 'runbooks/purge.md#RB-3', '--service', 'web', '--yes'], { cwd: dir, env });
    expect(yes.stdout).toMatch(/1\.1 refused: destructive step: type its target "web"/);
    const typed = await runCli(['run', 'runbooks/purge.md#RB-3', '--service', 'web', '--confirm', 'web'], { cwd: dir, env });
    expect(typed.stdout).not.toMatch(/refused/);
    expect(typed.code).toBe(0);
  });

  it('runs read steps, refuses an unconfirmed write when not on a terminal, and exports the transcript', async () => {
    const r = await runCli(['run', 'runbooks/checks.md#RB-1', '--param', 'host=db-1'], { cwd: dir, env });
    expect(r.stdout).toContain('disk ok on db-1');
    expect(r.stdout).toMatch(/2\.1 refused: this step changes the system/);
    expect(r.stdout).toMatch(/incomplete/);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^audit head \d+ [0-9a-f]{64}$/m);
    const id = /execution (exe_\w+)/.exec(r.stdout)![1]!;
    const md = await runCli(['execution', 'export', id], { cwd: dir, env });
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('# Morning checks');
    expect(md.stdout).toMatch(/```bash\necho "disk ok on db-1"\n```\n\n\*\*ok\*\*, exit 0/);
    expect(md.stdout).toMatch(/```text\ndisk ok on db-1\n```/);
    expect(md.stdout).toContain('- [ ] **3.** Dashboard looked at');
  });

  it('with --yes runs the write; ticks are recorded', async () => {
    const r = await runCli(['run', 'runbooks/checks.md#RB-1', '--param', 'host=db-1', '--yes', '--keep-open'], { cwd: dir, env });
    expect(r.code).toBe(0);
    const id = /execution (exe_\w+)/.exec(r.stdout)![1]!;
    const tick = await runCli(['execution', 'tick', id, '3', '--note', 'green'], { cwd: dir, env });
    expect(tick.stdout).toMatch(/ticked step 3 by ana/);
    const fin = await runCli(['execution', 'finish', id], { cwd: dir, env });
    expect(fin.stdout).toContain(`execution ${id} passed`);
    expect(fin.code).toBe(0);
    const list = await runCli(['execution', 'list', '--json'], { cwd: dir, env });
    expect(JSON.parse(list.stdout).find((e: { id: string }) => e.id === id).state).toBe('passed');
  });

  it('refuses a list filtered by a procedure or incident that is not there, instead of listing none', async () => {
    const typo = await runCli(['execution', 'list', '--procedure', 'runbooks/checks.md#RB-11'], { cwd: dir, env });
    expect(typo.code).toBe(1);
    expect(typo.stdout).toBe('');
    expect(typo.stderr).toMatch(/^✖ no procedure runbooks\/checks\.md#RB-11 in the runbooks, and no execution of it \(procedures in runbooks\/checks\.md: RB-1\) → --procedure \[OPSBOOK_E_PROCEDURE_NOT_FOUND\]/);
    const incident = await runCli(['execution', 'list', '--incident', 'inc_nope'], { cwd: dir, env });
    expect(incident.code).toBe(1);
    expect(incident.stderr).toContain('no incident with id inc_nope → --incident [OPSBOOK_E_INCIDENT_UNKNOWN]');
    // A procedure that is there and has not run yet is an empty list, not a refusal.
    await writeFile(join(dir, 'runbooks', 'unrun.md'), '# U\n\n## RB-9: Never run\n\n**Diagnosis:**\n```bash\necho hi\n```\n');
    const none = await runCli(['execution', 'list', '--procedure', 'runbooks/unrun.md#RB-9', '--json'], { cwd: dir, env });
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([]);
  });

  it('audit verify passes untouched, and finds an edit, a deletion in the middle and removal from the end', async () => {
    const head = await runCli(['audit', 'head'], { cwd: dir, env });
    const [seq, hash] = head.stdout.trim().split(' ');
    expect(Number(seq)).toBeGreaterThan(5);
    const ok = await runCli(['audit', 'verify', '--head', hash!], { cwd: dir, env });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^ok: \d+ entries/);

    const db = new SqliteDatabase(join(dir, '.opsbook', 'opsbook.db'));
    const backup = db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Record<string, unknown>[];
    const restore = (): void => {
      db.prepare('DELETE FROM audit_log').run();
      const ins = db.prepare('INSERT INTO audit_log (seq, at, actor, action, subject, details, prev_hash, hash) VALUES (@seq, @at, @actor, @action, @subject, @details, @prev_hash, @hash)');
      for (const row of backup) ins.run(row);
    };
    try {
      db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2").run();
      const edited = await runCli(['audit', 'verify'], { cwd: dir, env });
      expect(edited.code).toBe(1);
      expect(edited.stderr).toMatch(/entry 2 was edited .*\[edited\]/);
      restore();

      db.prepare('DELETE FROM audit_log WHERE seq = 3').run();
      const gap = await runCli(['audit', 'verify'], { cwd: dir, env });
      expect(gap.code).toBe(1);
      expect(gap.stderr).toMatch(/entry 4 .*\[gap\]/);
      expect(gap.stderr).toMatch(/entry 4 .*\[relinked\]/);
      restore();

      db.prepare('DELETE FROM audit_log WHERE seq = ?').run(Number(seq));
      const truncated = await runCli(['audit', 'verify', '--head', hash!], { cwd: dir, env });
      expect(truncated.code).toBe(1); // a clean cut from the end shows only against the published head
      expect(truncated.stderr).toMatch(/\[head_mismatch\]/);
    } finally {
      db.close();
    }
  });
});
