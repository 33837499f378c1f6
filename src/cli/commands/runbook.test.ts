import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.js';

async function opsbook(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runCli(args);
}

describe('opsbook runbook', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'opsbook-runbook-'));
    await writeFile(path.join(dir, 'cache.runbook'), '# Cache\n\n## Emergency Procedures\n\n### Cache Flush\n\n**When**: data is corrupt\n\n**Procedure**:\n```bash\nredis-cli FLUSHALL\n```\n');
    await writeFile(
      path.join(dir, 'api.md'),
      ['# API', '', '## RB-1: Health', '', '**Diagnosis:**', '', '1. Ask the API with `curl -u ops:cli-pw-4242 https://api.internal/health?token=cli-tok-5353`', '', '```bash', 'mysql -h db.internal -u app -pcli-my-6464 -e "SELECT 1"', '```', ''].join('\n'),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('show prints procedures, phases and steps with effect badges', async () => {
    const r = await opsbook('runbook', 'show', path.join(dir, 'cache.runbook'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cache-flush  Cache Flush');
    // One of a thing is said in the singular.
    expect(r.stdout).toContain('  1 procedure, 1 code block, 0 tables, 0 checklists\n');
    expect(r.stdout).toContain('[DESTRUCTIVE] redis block :10 — FLUSHALL deletes every key in every database');
  });

  it('show FILE#ID prints that procedure only, as `opsbook run` names it; an unknown ID lists those there', async () => {
    const file = path.join(dir, 'cache.runbook');
    const one = await opsbook('runbook', 'show', `${file}#CACHE-FLUSH`);
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('cache-flush  Cache Flush');
    const json = JSON.parse((await opsbook('runbook', 'show', '--json', `${file}#cache-flush`)).stdout) as { procedures: { id: string }[] };
    expect(json.procedures.map((p) => p.id)).toEqual(['cache-flush']);
    const unknown = await opsbook('runbook', 'show', `${file}#nope`);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(`has no procedure "nope" (its procedures: cache-flush) [OPSBOOK_E_PROCEDURE_NOT_FOUND]`);
  });

  it('show --json prints the documented JSON', async () => {
    const r = await opsbook('runbook', 'show', '--json', path.join(dir, 'cache.runbook'));
    const json = JSON.parse(r.stdout) as { title: string; blocks: { line: number; effect: string; target: string }[] };
    expect(json.title).toBe('Cache');
    expect(json.blocks).toEqual([expect.objectContaining({ line: 10, effect: 'destructive', target: 'redis' })]);
  });

  it('show masks the credentials a runbook writes in its steps, in the outline and the JSON', async () => {
    const file = path.join(dir, 'api.md');
    const shown = await opsbook('runbook', 'show', file);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('curl -u ops:******** https://api.internal/health?token=********');
    const json = await opsbook('runbook', 'show', '--json', file);
    expect(json.code).toBe(0);
    expect(json.stdout).toContain('-p********');
    for (const secret of ['cli-pw-4242', 'cli-tok-5353', 'cli-my-6464']) expect(shown.stdout + json.stdout, secret).not.toContain(secret);
  });

  it('lint warns with exit 0', async () => {
    const ok = await opsbook('runbook', 'lint', dir);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('cache.runbook:5: warning: procedure cache-flush ("Cache Flush") has no diagnosis steps (no-diagnosis)');
  });

  it('show says when a file holds no procedure, why, and what it holds; exit 0 as lint', async () => {
    const file = path.join(dir, 'notes', 'ledger.md');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '# Ledger notes\n\nThe ledger keeps entries.\n\n## History\n\nIt was written in 2019.\n\n```sh\nls /var/ledger\n```\n');
    const shown = await opsbook('runbook', 'show', file);
    const linted = await opsbook('runbook', 'lint', file);
    expect(shown.code).toBe(0);
    expect(shown.code).toBe(linted.code);
    expect(shown.stdout).toContain('  0 procedures, 1 code block, 0 tables, 0 checklists\n');
    expect(shown.stdout).toContain('  no procedure found (no heading or bold label names a phase (Diagnosis, Mitigation…), and no section holds steps under a procedure title; add phase headings or extend runbooks.phases)\n');
    expect(shown.stdout).toContain('  sections: Ledger notes :1, History :5\n');
    expect(linted.stdout).toContain('ledger.md:1: warning: no procedure found: no heading or bold label names a phase');
    const one = await opsbook('runbook', 'show', `${file}#history`);
    expect(one.code).toBe(1);
    expect(one.stderr).toContain('has no procedure "history" (no procedure found in it: no heading or bold label names a phase');
  });

  it('lint exits 1 naming a file it cannot read', async () => {
    const missing = path.join(dir, 'missing.md');
    const bad = await opsbook('runbook', 'lint', dir, missing);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`cannot read runbook: no such file (${missing}) [OPSBOOK_E_RUNBOOK_READ]`);
  });
});
