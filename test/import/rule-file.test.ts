/**
 * `opsbook import` on Prometheus rules: the rule file it writes beside ops.yaml is named by
 * `rule_files:`, loads through the daemon's config loader once the TODOs are set, and each rule's
 * `runbook` annotation resolves to the imported procedure. On seed 002 and on a runbook of another
 * shape (rules embedded before the procedures, a recording rule, a group interval, a template
 * opsbook refuses).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfiguredRuleFiles, type AlertingRuleSpec } from '../../src/alerts/rule-files/index.js';
import { loadOpsConfig } from '../../src/daemon/config.js';
import { loadConfiguredRunbooks } from '../../src/executions/index.js';
import { resolveRunbookLink } from '../../src/runbooks/index.js';
import { emit, propose } from '../../src/import/index.js';
import { fillTodos } from '../../src/import/test-support.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('import writes Prometheus rules to the rule file rule_files: names', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'opsbook-import-rule-file-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Imports `source` into DIR (the runbook copied beside ops.yaml), then loads it as the daemon would. */
  async function imported(source: string) {
    const out = path.join(dir, path.basename(source));
    await mkdir(path.join(out, 'prometheus'), { recursive: true });
    const name = path.basename(source);
    await copyFile(path.join(root, source), path.join(out, name));
    const proposal = propose([{ text: await readFile(path.join(root, source), 'utf8'), ref: name }]);
    const emitted = emit(proposal, { prometheusRulesFile: 'prometheus/rules.yaml' });
    await writeFile(path.join(out, 'ops.yaml'), emitted.config);
    await writeFile(path.join(out, 'prometheus/rules.yaml'), emitted.prometheusRules!);
    const loaded = await loadOpsConfig(path.join(out, 'ops.yaml'), { env: fillTodos(proposal) });
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => `${i.file}:${i.line}: ${i.message}`).join('\n'));
    const groups = loadConfiguredRuleFiles(loaded.config.rule_files.files, out).groups;
    const runbooks = await loadConfiguredRunbooks(loaded.config, out);
    const link = (rule: AlertingRuleSpec) => resolveRunbookLink(runbooks, rule.annotations.runbook ?? '');
    return { proposal, config: loaded.config, groups, link, text: emitted.prometheusRules! };
  }

  it('seed 002: both alerts run as written, linked to their procedures, on the ladder the runbook’s table gives', async () => {
    const { config, groups, link } = await imported('test/fixtures/runbooks/seeds/002_2df39a6cbf760328.txt');
    expect(config.rule_files.files).toEqual(['prometheus/rules.yaml']);
    const rules = groups.flatMap((g) => g.rules) as AlertingRuleSpec[];
    expect(rules.map((r) => [r.name, r.for, r.labels.severity])).toEqual([['HighErrorRate', 300_000, 'P2'], ['HighLatency', 300_000, 'P4']]);
    expect(rules.map((r) => link(r))).toEqual(['002_2df39a6cbf760328.txt#high-error-rate', '002_2df39a6cbf760328.txt#high-latency']);
    expect(rules[0]!.exprText).toBe('rate(http_requests_total{status=~"5.."}[5m]) / rate(http_requests_total[5m]) > 0.01');
  });

  it('another shape: recording rules and group interval kept, a matching procedure replaces a runbook anchor, a refused rule is listed', async () => {
    const { groups, link, text, proposal } = await imported('test/fixtures/import/ledger-worker.md');
    expect(groups.map((g) => [g.name, g.interval, g.rules.map((r) => `${r.kind}:${r.name}`)])).toEqual([
      ['ledger-recording', 30_000, ['record:ledger:jobs_waiting:max']],
      ['ledger-alerts', undefined, ['alert:LedgerBacklog', 'alert:LedgerWorkerDown']],
    ]);
    const [backlog, down] = groups[1]!.rules as AlertingRuleSpec[];
    expect(backlog!.keepFiringFor).toBe(300_000);
    expect(link(backlog!)).toBe('ledger-worker.md#ledger-backlog');
    // No procedure matches: the wiki link stays as written, for the responder to follow.
    expect(down!.annotations).toEqual({ summary: 'No ledger worker is up', runbook_url: 'https://wiki.example.org/ledger/worker-down' });
    expect(proposal.prometheusRules.find((r) => r.name === 'LedgerQueryLatency')?.leftOut).toMatch(/function "query" not defined/);
    expect(text).toMatch(/# Left out: opsbook refuses these as written\.\n# LedgerQueryLatency \(ledger-worker\.md:36\)/);
  });
});
