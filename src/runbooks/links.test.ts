import { describe, expect, it } from 'vitest';
import { parseRunbook, resolveRunbookLink, runbookLinkOf } from './index.js';

const page = (alert: string): string => `# ${alert}\n\n## Meaning\n\n${alert} fires.\n\n## Diagnosis\n\n\`\`\`bash\nkubectl get pods -A\n\`\`\`\n\n## Mitigation\n\n\`\`\`bash\nkubectl rollout restart deploy/x\n\`\`\`\n`;
const index = '# Node alerts\n\n## NodeDiskFull\n\n### Diagnosis\n\n```bash\ndf -h\n```\n\n### Mitigation\n\n```bash\nrm -rf /var/tmp/cache\n```\n\n## NodeDiskSlow\n\n### Diagnosis\n\n```bash\niostat -x 1 3\n```\n\n### Mitigation\n\n```bash\nsystemctl restart app\n```\n';
const runbooks = [
  parseRunbook(page('KubePodCrashLooping'), { file: 'runbooks/kubernetes/KubePodCrashLooping.md' }),
  parseRunbook(page('KubeNodeNotReady'), { file: 'runbooks/KubeNodeNotReady.html.md' }),
  parseRunbook(index, { file: 'runbooks/node/index.md' }),
  parseRunbook('# DB\n\n## RB-001: Replication lag\n\n**Diagnosis:**\n```sql\nSELECT 1;\n```\n', { file: 'runbooks/db.md' }),
];
const PREFIXES = ['https://runbooks.example.org/runbooks/', 'https://docs.example.org/alerts'];

/** [runbook link, options, the procedure it resolves to (undefined: unresolved)]. */
const SHAPES: [string, { prefixes?: string[]; alert?: string; anyPrefix?: boolean }, string | undefined][] = [
  ['https://runbooks.example.org/runbooks/kubernetes/kubepodcrashlooping/', {}, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  ['https://runbooks.example.org/runbooks/kubernetes/kubepodcrashlooping', {}, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  ['https://runbooks.example.org/runbooks/kubernetes/KubePodCrashLooping.md', {}, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  ['https://runbooks.example.org/runbooks/kubernetes/kubepodcrashlooping.html', {}, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  ['https://RUNBOOKS.example.org/Runbooks/Kubernetes/KUBEPODCRASHLOOPING/', {}, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  ['https://runbooks.example.org/runbooks/kubernetes/kubepodcrashlooping/?tab=mitigation', {}, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  ['https://runbooks.example.org/runbooks/kubernetes/kubepodcrashlooping/#diagnosis', {}, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  ['https://runbooks.example.org/runbooks/kubepodcrashlooping', {}, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  ['https://runbooks.example.org/runbooks/other-dir/kubepodcrashlooping/', {}, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  ['https://runbooks.example.org/runbooks/kubenodenotready.html', {}, 'runbooks/KubeNodeNotReady.html.md#kubenodenotready'],
  ['https://runbooks.example.org/runbooks/KubeNodeNotReady.html.md', {}, 'runbooks/KubeNodeNotReady.html.md#kubenodenotready'],
  ['https://runbooks.example.org/runbooks/kubenodenotready/', {}, 'runbooks/KubeNodeNotReady.html.md#kubenodenotready'],
  ['https://runbooks.example.org/runbooks/node/#nodediskfull', {}, 'runbooks/node/index.md#nodediskfull'],
  ['https://runbooks.example.org/runbooks/node/index.html#NodeDiskSlow', {}, 'runbooks/node/index.md#nodediskslow'],
  ['https://runbooks.example.org/runbooks/node/', { alert: 'NodeDiskSlow' }, 'runbooks/node/index.md#nodediskslow'],
  ['https://runbooks.example.org/runbooks/node/', {}, undefined],
  ['https://runbooks.example.org/runbooks/#nodediskfull', {}, 'runbooks/node/index.md#nodediskfull'],
  ['https://docs.example.org/alerts/db.html#rb-001', {}, 'runbooks/db.md#RB-001'],
  ['https://docs.example.org/alerts/db#replication-lag', {}, 'runbooks/db.md#RB-001'],
  ['runbooks/db.md#RB-001', {}, 'runbooks/db.md#RB-001'],
  ['db.md#rb-001', {}, 'runbooks/db.md#RB-001'],
  ['runbooks/kubernetes/KubePodCrashLooping.md', {}, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  // Prefix not configured: not resolved (shown as a link), unless the caller asks for any prefix.
  ['https://github.com/acme/runbooks/blob/main/kubernetes/KubePodCrashLooping.md', {}, undefined],
  ['https://github.com/acme/runbooks/blob/main/kubernetes/KubePodCrashLooping.md', { anyPrefix: true }, 'runbooks/kubernetes/KubePodCrashLooping.md#kubepodcrashlooping'],
  ['https://runbooks.example.org/runbooks/kubernetes/kubepodcrashlooping/', { prefixes: [] }, undefined],
  // Under the prefix but nothing local.
  ['https://runbooks.example.org/runbooks/kubernetes/kubeletdown/', {}, undefined],
  ['https://runbooks.example.org/runbooks/node/#nodememoryfull', {}, undefined],
  ['https://runbooks.example.org.evil.test/runbooks/kubernetes/kubepodcrashlooping/', {}, undefined],
  ['not a url at all', {}, undefined],
  ['', {}, undefined],
];

describe('resolveRunbookLink: runbook_url shapes found in alert rules', () => {
  expect(SHAPES.length).toBeGreaterThanOrEqual(20);
  for (const [link, o, want] of SHAPES) {
    it(`${link || '(empty)'}${o.alert ? ` (alert ${o.alert})` : ''}${o.prefixes ? ' (no prefixes)' : ''}${o.anyPrefix ? ' (any prefix)' : ''} → ${want ?? 'unresolved'}`, () => {
      expect(resolveRunbookLink(runbooks, link, { urlPrefixes: o.prefixes ?? PREFIXES, ...(o.alert ? { alertName: o.alert } : {}), ...(o.anyPrefix ? { anyPrefix: true } : {}) })).toBe(want);
    });
  }
});

describe('runbookLinkOf', () => {
  it('takes runbook, then runbook_url, then playbook', () => {
    expect(runbookLinkOf({ summary: 'x', runbook_url: 'https://a/b', playbook: 'p' })).toBe('https://a/b');
    expect(runbookLinkOf({ runbook: 'db.md#RB-1', runbook_url: 'https://a/b' })).toBe('db.md#RB-1');
    expect(runbookLinkOf({ playbook: ' https://p/q ' })).toBe('https://p/q');
    expect(runbookLinkOf({ summary: 'x' })).toBeUndefined();
  });
});
