/**
 * Runbook executions across a config reload. A reload builds a new execution service over the
 * runbooks it read; an execution started before it goes on under the new one. The secret values
 * given at its start (kept only in this process, never in the store) still reach its later steps,
 * and a step running when the reload came is still stopped when the execution is cancelled or its
 * incident resolves. One daemon on SQLite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listExecutions } from '../../src/executions/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const ana = { name: 'ana', role: 'admin' as const, via: 'session' as const };
const RUNBOOK = `# Orders

## RB-001: Orders down

**Diagnosis:**

1. Check the credentials

\`\`\`bash
test "$DB_PASSWORD" = hunter2
\`\`\`

2. Wait for the queue

\`\`\`bash
touch started.flag && sleep 120
\`\`\`
`;
const OPS = (note: string) => `# ${note}
users:
  - { name: ana, role: admin }
services:
  - { id: orders, shell: { cwd: ".", allow: [test, sleep, touch] } }
runbooks: [runbooks/*.md]
`;

describe('executions across a config reload', () => {
  let app: DaemonApp;
  beforeAll(async () => {
    app = await startDaemonApp('exec-reload', { 'runbooks/orders.md': RUNBOOK, 'ops.yaml': OPS('first') });
  }, scaled(60_000));
  afterAll(async () => app?.close(), scaled(60_000));

  /** Waits until step 2 runs (its command has started), and removes the marker for the next test. */
  async function started(): Promise<void> {
    const flag = path.join(app.dir, 'started.flag');
    await expect.poll(() => fs.existsSync(flag), { timeout: scaled(30_000), interval: 50 }).toBe(true);
    fs.rmSync(flag);
  }

  let generation = 0;
  async function reload(): Promise<void> {
    const before = app.daemon.executions;
    fs.writeFileSync(path.join(app.dir, 'ops.yaml'), OPS(`reload ${++generation}`));
    expect(await app.daemon.reload()).toBe(true);
    expect(app.daemon.executions, 'the reload built a new execution service').not.toBe(before);
  }

  it('a secret given at the start still reaches a step run after a reload', async () => {
    const { id } = await app.daemon.executions!.start('runbooks/orders.md#RB-001', ana, { params: { DB_PASSWORD: 'hunter2' } });
    await reload();
    const result = await app.daemon.executions!.runStep(id, 1, ana);
    expect(result, JSON.stringify(result)).toMatchObject({ status: 'ok' });
    await app.daemon.executions!.cancel(id, ana);
  }, scaled(60_000));

  it('cancelling stops a step that was running when the reload came', async () => {
    const { id } = await app.daemon.executions!.start('runbooks/orders.md#RB-001', ana, {});
    let settled = false;
    const running = app.daemon.executions!.runStep(id, 2, ana, { confirm: 'yes' }).finally(() => (settled = true));
    await started();
    await reload();
    await app.daemon.executions!.cancel(id, ana);
    await expect.poll(() => settled, { timeout: scaled(30_000), interval: 50 }).toBe(true);
    await running.catch(() => undefined);
    expect((await listExecutions(app.daemon.store)).find((e) => e.id === id)?.state).toBe('cancelled');
  }, scaled(90_000));

  it('resolving the incident stops a step that was running when the reload came', async () => {
    const incident = await app.daemon.operations!.createIncident({ title: 'orders down', severity: 'P2', service: 'orders', runbook: 'runbooks/orders.md#RB-001' }, ana);
    const { id } = await app.daemon.executions!.start('runbooks/orders.md#RB-001', ana, { incidentId: incident.id });
    let settled = false;
    const running = app.daemon.executions!.runStep(id, 2, ana, { confirm: 'yes' }).finally(() => (settled = true));
    await started();
    await reload();
    await app.daemon.operations!.act(incident.id, 'resolve', ana, 'fixed');
    await expect.poll(() => settled, { timeout: scaled(30_000), interval: 50 }).toBe(true);
    await running.catch(() => undefined);
  }, scaled(90_000));
});
