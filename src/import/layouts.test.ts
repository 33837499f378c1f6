import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../config/index.js';
import { parseRuleFile } from '../alerts/rule-files/index.js';
import { emit, propose, type ImportInput } from './index.js';
import { fillTodos } from './test-support.js';

const fixtures = path.resolve(import.meta.dirname, '../../test/fixtures/import');
const read = async (name: string): Promise<ImportInput> => ({ text: await readFile(path.join(fixtures, name), 'utf8'), ref: name });

/** Runbooks in layouts other than the seeds': import degrades to TODOs, never to errors. */
describe('import on other runbook layouts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'opsbook-import-layouts-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function validates(inputs: ImportInput[]): Promise<string[]> {
    const proposal = propose(inputs);
    const file = path.join(dir, `${inputs.map((i) => i.ref).join('+')}.yaml`);
    await writeFile(file, emit(proposal).config);
    const r = await loadConfig(file, { env: fillTodos(proposal) });
    return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
  }

  it('a Meaning / Impact / Diagnosis / Mitigation one-alert page: not a service, nothing invented, valid', async () => {
    const page = await read('KubePodCrashLooping.md');
    const proposal = propose([page]);
    expect(proposal.items.map((i) => i.section)).toEqual([]);
    expect(proposal.findings.map((f) => f.what)).toContain('alert runbook');
    expect(await validates([page])).toEqual([]);
  });

  it('a Prometheus rules file: every rule goes to the rule file rule_files: names, as written, with its line', async () => {
    const rules = await read('payments-alerts.rules.yml');
    const proposal = propose([rules]);
    expect(proposal.items.filter((i) => i.section === 'rules' || i.section === 'checks')).toEqual([]);
    expect(proposal.prometheusRules.map((v) => [v.name, v.source.line, v.leftOut])).toEqual([
      ['PaymentsHighErrorRate', 4, undefined],
      ['PaymentsSlowRequests', 14, undefined],
      ['PaymentsQueueStuck', 22, undefined],
      ['KubePodCrashLooping', 30, undefined],
    ]);
    const emitted = emit(proposal, { prometheusRulesFile: 'prometheus/rules.yaml' });
    expect(parse(emitted.config)).toMatchObject({ rule_files: ['prometheus/rules.yaml'] });
    const file = parse(emitted.prometheusRules!) as { groups: { name: string; rules: { alert: string; expr: string; annotations: Record<string, string> }[] }[] };
    expect(file.groups.map((g) => g.name)).toEqual(['payments.rules']);
    expect(file.groups[0]!.rules[0]!.annotations.summary).toBe('Payments API error rate is {{ $value }}');
    expect(emitted.prometheusRules).toContain('# source: payments-alerts.rules.yml:22');
    // opsbook's own loader takes the file as written.
    expect(() => parseRuleFile('prometheus/rules.yaml', emitted.prometheusRules!)).not.toThrow();
    expect(await validates([rules])).toEqual([]);
  });

  it('runbook_url links a rule to the imported runbook it names', async () => {
    const proposal = propose([await read('payments-alerts.rules.yml'), await read('payments-api.md'), await read('KubePodCrashLooping.md')]);
    const rule = proposal.prometheusRules.find((r) => r.name === 'PaymentsHighErrorRate')!;
    expect(String((rule.rule.annotations as Record<string, string>).runbook)).toMatch(/^payments-api\.md#/);
  });

  it('an Overview / Troubleshooting / Possible Resolutions / Escalation page: health table, symptoms, escalation', async () => {
    const page = await read('payments-api.md');
    const proposal = propose([page]);
    expect(proposal.items.find((i) => i.id === 'payments-api-readyz')?.body).toMatchObject({ kind: 'http', url: '${TODO_PAYMENTS_API_BASE_URL}/readyz' });
    expect(proposal.items.find((i) => i.section === 'escalation_policies')?.body.steps).toEqual([
      { targets: [{ user: 'payments-api-payments-on-call' }], timeout: '10m' },
      { targets: [{ user: 'payments-api-payments-lead' }], timeout: '30m' },
    ]);
    expect(await validates([page])).toEqual([]);
  });

  it('odd input degrades: an empty file, prose only, a broken table, YAML that is not a rules file', async () => {
    const odd: ImportInput[] = [
      { ref: 'empty.md', text: '' },
      { ref: 'prose.md', text: 'Just call Sam if the site is down.\n' },
      { ref: 'broken.md', text: '# X\n\n| Severity | Response Time |\n|---|---|\n| | |\n| P9 - ??? | whenever |\n\n- Queue > lots: Warning\n' },
      { ref: 'values.yaml', text: 'replicas: 3\nimage: app:1.2\n' },
    ];
    for (const input of odd) expect(await validates([input]), input.ref).toEqual([]);
  });
});

describe('import links rules to runbooks the way rules in the wild do', () => {
  const crashloop = `---\ntitle: KubePodCrashLooping\n---\n\n## Meaning\n\nA container restarts again and again.\n\n## Diagnosis\n\n\`\`\`bash\nkubectl -n shop describe pod <pod-name>\n\`\`\`\n\n## Mitigation\n\n\`\`\`bash\nkubectl -n shop rollout undo deploy/web\n\`\`\`\n`;
  const rules = [
    'groups:',
    '  - name: kubernetes-apps',
    '    rules:',
    '      - alert: KubePodCrashLooping',
    '        expr: max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}[5m]) >= 1',
    '        for: 15m',
    '        labels: {severity: warning}',
    '        annotations:',
    '          summary: Pod is crash looping.',
    '          runbook_url: https://runbooks.example.org/runbooks/kubernetes/kubepodcrashlooping/',
    '      - alert: KubeletDown',
    '        expr: absent(up{job="kubelet"} == 1)',
    '        annotations:',
    '          runbook_url: https://runbooks.example.org/runbooks/kubernetes/kubeletdown/',
    '',
  ].join('\n');

  it('adds the runbook link to a rule it keeps for the rule file, and leaves one whose runbook is not here as it was', () => {
    const proposal = propose([{ ref: 'runbooks/kubernetes/KubePodCrashLooping.md', text: crashloop }, { ref: 'prometheus/kubernetes.rules.yml', text: rules }]);
    const kept = Object.fromEntries(proposal.prometheusRules.map((v) => [v.name, v.rule as { annotations?: Record<string, string> }]));
    expect(kept.KubePodCrashLooping?.annotations).toEqual({
      summary: 'Pod is crash looping.',
      runbook_url: 'https://runbooks.example.org/runbooks/kubernetes/kubepodcrashlooping/',
      runbook: 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping',
    });
    expect(kept.KubeletDown?.annotations).toEqual({ runbook_url: 'https://runbooks.example.org/runbooks/kubernetes/kubeletdown/' });
    // The alert's page is not a service.
    expect(proposal.items.filter((i) => i.section === 'services')).toEqual([]);
  });
});
