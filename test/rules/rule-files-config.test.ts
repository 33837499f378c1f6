/** `rule_files:` in ops.yaml: globs relative to the config, and a bad rule file refuses the config with its file:line. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatIssue } from '../../src/config/index.js';
import { loadOpsConfig } from '../../src/daemon/config.js';
import { writeFiles } from '../support/files.js';

const dirs: string[] = [];
function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-rule-files-config-'));
  dirs.push(dir);
  writeFiles(dir, files);
  return dir;
}
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const GOOD = 'groups:\n  - name: a\n    rules:\n      - alert: Up\n        expr: up == 0\n';

describe('rule_files: in ops.yaml', () => {
  it('takes a list of globs (the short form) or files with an evaluation_interval; the default interval is 1m', async () => {
    const dir = folder({ 'ops.yaml': 'rule_files: [rules/*.yml]\n', 'rules/a.yml': GOOD });
    const short = await loadOpsConfig(path.join(dir, 'ops.yaml'), { env: {} });
    expect(short.ok && short.config.rule_files).toEqual({ files: ['rules/*.yml'], evaluation_interval: 60_000, alerts: {} });
    fs.writeFileSync(path.join(dir, 'ops.yaml'), 'rule_files:\n  files: [rules/a.yml]\n  evaluation_interval: 30s\n');
    const long = await loadOpsConfig(path.join(dir, 'ops.yaml'), { env: {} });
    expect(long.ok && long.config.rule_files).toEqual({ files: ['rules/a.yml'], evaluation_interval: 30_000, alerts: {} });
  });

  it('refuses a rule file with a problem, naming the rule file and its line', async () => {
    const bad = 'groups:\n  - name: a\n    rules:\n      - alert: Up\n        expr: up ==\n      - alert: Tpl\n        expr: up\n        annotations:\n          summary: "{{ query \\"up\\" }}"\n';
    const dir = folder({ 'ops.yaml': 'rule_files: [rules/*.yml]\n', 'rules/bad.yml': bad });
    const result = await loadOpsConfig(path.join(dir, 'ops.yaml'), { env: {} });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => [i.code, path.relative(dir, i.file ?? ''), i.line])).toEqual([
      ['OPSBOOK_E_RULE_FILE_INVALID', 'rules/bad.yml', 5],
      ['OPSBOOK_E_RULE_FILE_INVALID', 'rules/bad.yml', 9],
    ]);
    expect(formatIssue(result.issues[1]!)).toMatch(/function "query" not defined/);
  });

  it('refuses a named rule file that does not exist', async () => {
    const dir = folder({ 'ops.yaml': 'rule_files: [rules/missing.yml]\n' });
    const result = await loadOpsConfig(path.join(dir, 'ops.yaml'), { env: {} });
    // Located at the entry that names it (a flow list: the section's line), which is where the mistake is.
    expect(!result.ok && result.issues).toEqual([
      expect.objectContaining({ code: 'OPSBOOK_E_RULE_FILE_INVALID', path: 'rule_files.files[0]', message: expect.stringMatching(/^rule file rules\/missing\.yml does not exist/), file: path.join(dir, 'ops.yaml'), line: 1 }),
    ]);
  });

  it('takes a severity and runbook per alert name, and refuses an alert the files do not have or a severity off the ladder, at its line', async () => {
    const ops = (alerts: string) => `runbooks: [runbooks/*.md]\nrule_files:\n  files: [rules/a.yml]\n  alerts:\n${alerts}`;
    const runbook = '# Up\n\n## Down\n\n**Diagnosis:**\n\n1. Look\n\n```bash\necho up\n```\n';
    const dir = folder({ 'ops.yaml': ops('    Up: { severity: P2, runbook: runbooks/up.md#down }\n'), 'rules/a.yml': GOOD, 'runbooks/up.md': runbook });
    const good = await loadOpsConfig(path.join(dir, 'ops.yaml'), { env: {} });
    expect(good.ok && good.config.rule_files.alerts).toEqual({ Up: { severity: 'P2', runbook: 'runbooks/up.md#down' } });

    // The runbook named must be a procedure of the runbooks, as a check's or a rule's must.
    fs.writeFileSync(path.join(dir, 'ops.yaml'), ops('    Up: { severity: P2, runbook: runbooks/up.md#dwon }\n'));
    const noProcedure = await loadOpsConfig(path.join(dir, 'ops.yaml'), { env: {} });
    expect(!noProcedure.ok && noProcedure.issues.map((i) => [i.code, i.path, i.line, i.message])).toEqual([
      ['OPSBOOK_E_PROCEDURE_NOT_FOUND', 'rule_files.alerts.Up.runbook', 5, 'no procedure runbooks/up.md#dwon (procedures in runbooks/up.md: down)'],
    ]);

    fs.writeFileSync(path.join(dir, 'ops.yaml'), ops('    Up: { severity: P2 }\n    Upp: { severity: P2 }\n'));
    const misspelt = await loadOpsConfig(path.join(dir, 'ops.yaml'), { env: {} });
    expect(!misspelt.ok && misspelt.issues.map((i) => [i.code, i.path, i.line, i.message])).toEqual([
      ['OPSBOOK_E_CONFIG_REFERENCE', 'rule_files.alerts.Upp', 6, 'alert "Upp" is not an alerting rule of the rule_files: files (alerts: Up)'],
    ]);

    fs.writeFileSync(path.join(dir, 'ops.yaml'), ops('    Up: { severity: critical }\n'));
    const offLadder = await loadOpsConfig(path.join(dir, 'ops.yaml'), { env: {} });
    expect(!offLadder.ok && offLadder.issues.map((i) => [i.path, i.message])).toEqual([
      ['rule_files.alerts.Up.severity', expect.stringMatching(/severity "critical" is not on the severities: ladder/)],
    ]);
  });
});
