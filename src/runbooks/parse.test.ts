import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findProcedure, lintRunbook, parseRunbook, runbookToJson, type Runbook } from './index.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const seedDir = path.join(repoRoot, 'test/fixtures/runbooks/seeds');
const seeds = readdirSync(seedDir).sort();
const text = (name: string): string => readFileSync(path.join(seedDir, name), 'utf8');
const seed = (n: number): Runbook => {
  const name = seeds.find((s) => s.startsWith(`00${n}_`))!;
  return parseRunbook(text(name), { file: `runbooks/${name}` });
};

/** Fences counted line by line, independently of markdown-it: opening lines of ``` / ~~~ pairs. */
function fenceLines(src: string): number[] {
  const out: number[] = [];
  let open: string | undefined;
  src.split('\n').forEach((l, i) => {
    const m = /^\s*(`{3,}|~{3,})/.exec(l);
    if (!m) return;
    if (!open) {
      open = m[1];
      out.push(i + 1);
    } else if (l.trim() === open || (l.trim().startsWith(open) && /^[`~]+$/.test(l.trim()))) open = undefined;
  });
  return out;
}

describe('seed runbooks: completeness', () => {
  for (const name of seeds) {
    it(`${name}: one block per fence, on its opening line; every table and checklist`, () => {
      const src = text(name);
      const rb = parseRunbook(src, { file: name });
      expect(rb.blocks.map((b) => b.line)).toEqual(fenceLines(src));
      const lines = src.split('\n');
      for (const b of rb.blocks) expect(lines[b.line - 1]).toMatch(/^\s*(```|~~~)/);
      const tableSeparators = lines.map((l, i) => (/^\s*\|?\s*:?-{3,}:?\s*\|/.test(l) ? i : -1)).filter((i) => i >= 0);
      expect(rb.tables.map((t) => t.line)).toEqual(tableSeparators.map((i) => i));
      const boxes = lines.filter((l) => /^\s*[-*] \[[ xX]\] /.test(l)).length;
      expect(rb.checklists.flatMap((c) => c.items)).toHaveLength(boxes);
      expect(rb.warnings).toEqual([]);
    });
  }
});

describe('seed 000: RB-001 … RB-004', () => {
  const rb = seed(0);
  it('yields the runbook ids with symptoms, diagnosis and resolution', () => {
    for (const id of ['RB-001', 'RB-002', 'RB-003', 'RB-004']) {
      const p = rb.procedures.find((x) => x.id === id);
      expect(p, id).toBeDefined();
      expect(p!.phases.map((ph) => ph.kind)).toEqual(['symptoms', 'diagnosis', 'resolution']);
      expect(p!.phases[1]!.steps[0]!.blocks.length).toBeGreaterThan(0);
    }
    expect(rb.procedures.find((p) => p.id === 'RB-001')!.title).toBe('High Projection Lag');
  });
  it('keeps "Restore Procedures" as one procedure with its two restores as steps', () => {
    const p = rb.procedures.find((x) => x.id === 'restore-procedures')!;
    expect(p.phases.flatMap((ph) => ph.steps.map((s) => s.text))).toEqual(['Full System Restore', 'Single Tenant Restore']);
  });
  it('types its tables', () => {
    expect(rb.tables.map((t) => t.kind)).toEqual(['components', 'health-endpoints', 'alert-thresholds', 'generic', 'generic', 'backup-schedule', 'environment-variables', 'environment-variables', 'contacts', 'severity-levels']);
    const health = rb.tables.find((t) => t.kind === 'health-endpoints')!;
    expect(health.records[0]).toEqual({ path: '/_health/live', purpose: 'Liveness probe', auth: 'No', sla: '<10ms' });
  });
  it('reads the checklist', () => {
    expect(rb.checklists).toEqual([expect.objectContaining({ title: 'Pre-Migration Checklist', items: expect.arrayContaining([expect.objectContaining({ text: 'Maintenance window scheduled', checked: false })]) })]);
  });
});

describe('seed 004: Scenario 1 … 8', () => {
  const rb = seed(4);
  it('yields each scenario with symptoms, diagnosis steps and resolution steps', () => {
    const scenarios = rb.procedures.filter((p) => p.title.startsWith('Scenario'));
    expect(scenarios.map((p) => p.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => expect.stringMatching(new RegExp(`^scenario-${n}-`))));
    for (const p of scenarios) expect(p.phases.map((ph) => ph.kind).slice(0, 3)).toEqual(['symptoms', 'diagnosis', 'resolution']);
    const s1 = scenarios[0]!;
    expect(s1.phases[1]!.steps.map((s) => s.text)).toEqual(['Check Service Status', 'Check Health Endpoints', 'Review Logs']);
    // Fences indented inside list items belong to their step.
    expect(s1.phases[1]!.steps[0]!.blocks[0]!.code).toContain('kubectl describe pod <pod-name> -n apex');
    expect(s1.phases[1]!.steps[0]!.blocks[0]!.placeholders).toContain('<pod-name>');
  });
});

/** Every troubleshooting, incident and emergency section, with its diagnosis steps (texts, or the first command for a bare block). */
const EXPECTED: Record<number, [string, string[]][]> = {
  1: [
    ['queue-jobs-not-processing', ['kubectl get pods -l app=novapulse-worker -n novapulse']],
    ['webhook-delivery-failures', ['curl -H "Authorization: Bearer $TOKEN" \\\n  https://api.novapulse.com/api/v1/webhooks/{webhookId}/logs']],
    ['high-memory-usage', ['kubectl top pods -n novapulse']],
    ['database-connection-issues', ['mongosh "mongodb://..." --eval "db.adminCommand(\'ping\')"']],
    ['api-server-outage', ['Check load balancer health checks', 'Verify all API pods are running', 'Review recent deployments', 'Check error logs']],
    ['worker-outage', ['Check worker pod status', 'Review queue depth', 'Check Redis connectivity', 'Review worker logs']],
    ['redis-outage', ['Check Redis service status', 'Verify network connectivity', 'Check Redis logs', 'Review failover status']],
    ['database-outage', ['Check MongoDB service status', 'Verify primary/replica status', 'Check network connectivity', 'Review MongoDB logs']],
  ],
  2: [
    ['high-error-rate', ['tail -1000 /var/log/django-finance/app.log | grep ERROR']],
    ['high-latency', ['psql -c "SELECT query, calls, mean_time FROM pg_stat_statements ORDER BY mean_time DESC LIMIT 10;"']],
  ],
  3: [
    ['high-database-latency', ['Assess Impact:', 'Identify Slow Queries:', 'Check System Resources:']],
    ['database-connection-pool-exhaustion', ['Assess Impact:', 'Root Cause Analysis:']],
    ['cache-failure', ['Assess Impact:']],
    ['replication-lag', ['Assess Impact:', 'Root Cause Analysis:']],
  ],
};

/** Sections the runbook gives no diagnosis for: found as procedures, and lint says so. */
const WITHOUT_DIAGNOSIS: Record<number, string[]> = {
  2: ['database-connection-exhausted'],
  3: ['emergency-database-failover', 'emergency-cache-flush'],
};

describe('seeds 001–003: troubleshooting, incident and emergency sections', () => {
  for (const n of [1, 2, 3]) {
    const rb = seed(n);
    for (const [id, diagnosis] of EXPECTED[n]!) {
      it(`${n}: ${id} with its diagnosis steps`, () => {
        const p = rb.procedures.find((x) => x.id === id);
        expect(p, `procedures: ${rb.procedures.map((x) => x.id).join(', ')}`).toBeDefined();
        const steps = p!.phases.filter((ph) => ph.kind === 'diagnosis').flatMap((ph) => ph.steps);
        const shown = steps.map((s) => s.text || s.blocks[0]?.commands[0]?.text);
        expect(shown.slice(0, diagnosis.length).map((s) => s?.replace(/^\d+\.\s*/, '').replace(/\s*\(if using cluster\)$/, ''))).toEqual(diagnosis);
      });
    }
    for (const id of WITHOUT_DIAGNOSIS[n] ?? []) {
      it(`${n}: ${id} is a procedure; lint reports it has no diagnosis`, () => {
        expect(rb.procedures.map((p) => p.id)).toContain(id);
        expect(lintRunbook(rb).filter((w) => w.code === 'no-diagnosis').map((w) => w.message).join('\n')).toContain(id);
      });
    }
  }
});

describe('a heading that groups nothing', () => {
  it('2: emergency-shutdown, a section with steps and no sections under it, is a procedure, not a group', () => {
    const p = seed(2).procedures.find((x) => x.id === 'emergency-shutdown');
    expect(p, `procedures: ${seed(2).procedures.map((x) => x.id).join(', ')}`).toBeDefined();
    expect(p!.phases.flatMap((ph) => ph.steps).flatMap((st) => st.blocks).flatMap((b) => b.commands).map((c) => c.effect)).toEqual(['destructive', 'destructive']);
  });
});

describe('placeholders', () => {
  const all = (rb: Runbook): Map<string, number[]> => {
    const m = new Map<string, number[]>();
    for (const b of rb.blocks) for (const p of b.placeholders) m.set(p, [...(m.get(p) ?? []), b.line]);
    return m;
  };
  it('finds $TOKEN and {webhookId} on the blocks that use them (seed 001)', () => {
    const rb = seed(1);
    const m = all(rb);
    for (const line of m.get('$TOKEN')!) expect(rb.blocks.find((b) => b.line === line)!.code).toContain('$TOKEN');
    expect(m.get('$TOKEN')!.length).toBe(rb.blocks.filter((b) => b.code.includes('$TOKEN')).length);
    expect(m.get('{webhookId}')!.length).toBe(rb.blocks.filter((b) => b.code.includes('{webhookId}')).length);
  });
  it('finds <previous-commit> and $DB_HOST (seed 002), <pod-name> (seed 004)', () => {
    const m2 = all(seed(2));
    expect(m2.get('<previous-commit>')).toHaveLength(1);
    expect(m2.get('$DB_HOST')!.length).toBeGreaterThanOrEqual(3);
    expect(all(seed(4)).get('<pod-name>')).toHaveLength(1);
  });
  it('does not take variables the block sets itself for placeholders', () => {
    const rb = parseRunbook('# T\n\n```bash\nfor db in a b; do\n  pg_dump $db > x_$db.dump\ndone\nBACKUP=/b\nls $BACKUP\n```\n');
    expect(rb.blocks[0]!.placeholders).toEqual([]);
  });
});

describe('model and JSON', () => {
  it('has exactly the documented keys', () => {
    const json = runbookToJson(seed(0));
    expect(Object.keys(json)).toEqual(['file', 'title', 'procedures', 'blocks', 'tables', 'checklists', 'warnings']);
    expect(Object.keys(json.blocks[0]!)).toEqual(['line', 'language', 'target', 'code', 'effect', 'reasons', 'placeholders', 'commands']);
    expect(Object.keys(json.procedures[0]!)).toEqual(['id', 'title', 'line', 'phases']);
    expect(Object.keys(json.procedures[0]!.phases[0]!)).toEqual(['kind', 'line', 'steps']);
    expect(Object.keys(json.tables[0]!)).toEqual(['kind', 'line', 'headers', 'rows']);
  });
  it('reads front matter and keeps file line numbers; the H1 is the title, front matter title the fallback', () => {
    const rb = parseRunbook('---\ntitle: Payments on-call\nowner: team-pay\n---\n# Payments\n\n```sql\nSELECT 1;\n```\n', { file: 'p.md' });
    expect(rb.title).toBe('Payments');
    expect(parseRunbook('---\ntitle: Payments on-call\n---\n## Notes\n', { file: 'p.md' }).title).toBe('Payments on-call');
    expect(parseRunbook('## Notes\n', { file: 'runbooks/pay-ledger.md' }).title).toBe('pay-ledger');
    expect(rb.frontMatter).toEqual({ title: 'Payments on-call', owner: 'team-pay' });
    expect(rb.blocks[0]).toMatchObject({ line: 7, effect: 'read', language: 'sql' });
    expect(rb.blocks[0]!.commands[0]!.line).toBe(8);
  });
  it('reads as markdown, with a warning, text between --- lines that YAML parses but cannot resolve', () => {
    // `**Symptoms:**` is YAML's alias syntax (`*name`) naming an anchor never set: between two
    // horizontal rules at the top of a page, it must not stop the page from being read.
    const rb = parseRunbook('---\n**Symptoms:**\n---\n# Disk full\n\n## Diagnosis\n\n```bash\ndf -h\n```\n', { file: 'disk.md' });
    expect(rb.title).toBe('Disk full');
    expect(rb.frontMatter).toEqual({});
    expect(rb.warnings).toContainEqual(expect.objectContaining({ code: 'front-matter-invalid', line: 2, message: expect.stringMatching(/^front matter is not valid YAML, read as markdown: .*alias/i) }));
    expect(rb.blocks[0]).toMatchObject({ line: 8, effect: 'read' });
  });
  it('reads a one-alert page in the Meaning / Impact / Diagnosis / Mitigation layout', () => {
    const rb = parseRunbook('# KubePodCrashLooping\n\n## Meaning\n\nA pod restarts.\n\n## Impact\n\nService degraded.\n\n## Diagnosis\n\n```console\n$ kubectl get pods -n prod\nNAME  READY\n$ kubectl describe pod api-1 -n prod\n```\n\n## Mitigation\n\n1. Delete the pod\n   ```shell\n   kubectl delete pod api-1 -n prod\n   ```\n');
    expect(rb.procedures).toHaveLength(1);
    const p = rb.procedures[0]!;
    expect([p.id, p.title]).toEqual(['kubepodcrashlooping', 'KubePodCrashLooping']);
    expect(p.phases.map((ph) => ph.kind)).toEqual(['symptoms', 'impact', 'diagnosis', 'resolution']);
    const diag = p.phases[2]!.steps[0]!.blocks[0]!;
    expect(diag.commands.map((c) => [c.text, c.line, c.effect])).toEqual([['kubectl get pods -n prod', 14, 'read'], ['kubectl describe pod api-1 -n prod', 16, 'read']]);
    expect(p.phases[3]!.steps[0]).toMatchObject({ text: 'Delete the pod', blocks: [expect.objectContaining({ effect: 'destructive', line: 22 })] });
  });
  it('reads the Overview / Troubleshooting / Possible Resolutions / Escalation layout', () => {
    const rb = parseRunbook('# Alert: DiskFull\n## Overview\nDisk is full.\n## Troubleshooting\n```bash\ndf -h\n```\n## Possible Resolutions\n- Remove old logs\n## Escalation\n- Page storage team\n');
    expect(rb.procedures[0]!.phases.map((ph) => ph.kind)).toEqual(['symptoms', 'diagnosis', 'resolution', 'escalation']);
  });
});

describe('findProcedure', () => {
  const rbs = [seed(0), seed(4)];
  it('resolves FILE#ID case-insensitively, FILE as a path suffix', () => {
    const name = seeds[0]!;
    expect(findProcedure(rbs, `runbooks/${name}#RB-001`)?.procedure.title).toBe('High Projection Lag');
    expect(findProcedure(rbs, `${name.toUpperCase()}#rb-002`)?.procedure.id).toBe('RB-002');
    expect(findProcedure(rbs, `${seeds[4]!}#Scenario-3-Derive-Solver-Timeout`)?.procedure.title).toBe('Scenario 3: Derive Solver Timeout');
    expect(findProcedure(rbs, `${name}#RB-999`)).toBeUndefined();
    expect(findProcedure(rbs, 'RB-001')).toBeUndefined();
  });
});
