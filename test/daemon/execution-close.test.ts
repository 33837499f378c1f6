/**
 * An execution left running is closed when its incident resolves, whoever resolves it: its alerts
 * (one at a time or in a batch), the daemon
 * (a person on the web page or the API) and a CLI in local mode writing the store directly. Its
 * state follows its transcript (a diagnosis step run, the rest not: incomplete), its lock is freed
 * and the incident's timeline says so.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/executions/index.js';
import { listTimeline } from '../../src/store/index.js';
import { runCli } from '../support/cli.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const ana = { name: 'ana', role: 'admin' as const, via: 'session' as const };

describe('executions close with their incident', () => {
  let ui: DaemonApp;
  beforeAll(async () => {
    ui = await startDaemonApp('exec-close', {
      'runbooks/orders.md':
        '# Orders\n\n## RB-001: Orders down\n\n**Diagnosis:**\n\n1. Look\n\n```bash\necho looked\n```\n\n**Resolution:**\n\n2. Restart\n\n```bash\nsystemctl restart orders\n```\n',
      'ops.yaml': `users:\n  - { name: ana, role: admin }\nservices:\n  - { id: orders, shell: { allow: [echo, systemctl] } }\nrunbooks: [runbooks/*.md]\n`,
    });
  });
  afterAll(async () => ui?.close());

  async function incidentWithRunningExecution(title: string): Promise<{ incidentId: string; executionId: string }> {
    const d = ui.daemon;
    const incident = await d.operations!.createIncident({ title, severity: 'P2', service: 'orders', runbook: 'runbooks/orders.md#RB-001' }, ana);
    const { id } = await d.executions!.start('runbooks/orders.md#RB-001', ana, { incidentId: incident.id });
    expect((await d.executions!.runStep(id, 1, ana)).status).toBe('ok');
    return { incidentId: incident.id, executionId: id };
  }

  it('closes it when the daemon resolves the incident, and says so on the timeline', async () => {
    const { incidentId, executionId } = await incidentWithRunningExecution('resolved through the daemon');
    await ui.daemon.operations!.act(incidentId, 'resolve', ana, 'fixed');
    const [execution] = await listExecutions(ui.daemon.store, { incidentId });
    expect(execution).toMatchObject({ id: executionId, state: 'incomplete' });
    expect(execution!.finishedAt).toBeTypeOf('number');
    const timeline = await listTimeline(ui.daemon.store.db, incidentId);
    expect(timeline.map((t) => t.text).join('\n')).toMatch(new RegExp(`execution ${executionId} of runbooks/orders.md#RB-001 closed as the incident resolved: incomplete`));
  });

  it('closes it when the incident resolves with its alerts, one at a time or in an Alertmanager batch', async () => {
    const d = ui.daemon;
    for (const [i, resolveBy] of (['single', 'batch'] as const).entries()) {
      const alert = (kind: 'firing' | 'resolved') => ({
        kind,
        ruleId: 'orders-down',
        dedupKey: `orders-down{n="${i}"}`,
        labels: { alertname: 'OrdersDown', n: String(i) },
        annotations: { summary: 'orders down' },
        severity: 'P2',
        runbook: 'runbooks/orders.md#RB-001',
        at: d.clock.now(),
      });
      const [opened] = await d.operations!.ingestBatch([alert('firing')]);
      const incidentId = opened!.incident.id;
      const { id } = await d.executions!.start('runbooks/orders.md#RB-001', ana, { incidentId });
      expect((await d.executions!.runStep(id, 1, ana)).status).toBe('ok');
      const [resolved] = resolveBy === 'batch' ? await d.operations!.ingestBatch([alert('resolved')]) : [await d.operations!.ingest(alert('resolved'))];
      expect(resolved!.incident.state, resolveBy).toBe('resolved');
      const [execution] = await listExecutions(d.store, { incidentId });
      expect(execution, resolveBy).toMatchObject({ id, state: 'incomplete' });
    }
  });

  it('closes it when a CLI in local mode resolves the incident', async () => {
    const { incidentId, executionId } = await incidentWithRunningExecution('resolved from the CLI');
    const cli = await runCli(['incident', 'resolve', incidentId, '--config', path.join(ui.dir, 'ops.yaml'), '--as', 'ana']);
    expect(cli.code, cli.stderr).toBe(0);
    const [execution] = await listExecutions(ui.daemon.store, { incidentId });
    expect(execution).toMatchObject({ id: executionId, state: 'incomplete' });
    const timeline = await listTimeline(ui.daemon.store.db, incidentId);
    expect(timeline.some((t) => t.text.includes(`execution ${executionId} of runbooks/orders.md#RB-001 closed as the incident resolved`))).toBe(true);
  });
});
