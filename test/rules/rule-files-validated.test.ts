/**
 * The rule groups a daemon evaluates are the ones its config load read and checked, as its runbooks
 * are: a rule file changed after the load (a `git pull` landing between two reads) is evaluated only
 * once a reload has checked it, never as the start or a reload reads it a second time. One daemon on
 * SQLite and a simulated clock; the file is changed between the load and the start of the pipeline,
 * and during a reload by a part of the daemon that reloads before the pipeline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { editOnReload } from '../support/edit-on-reload.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;
const rules = (alert: string) => `groups:
  - name: orders
    interval: 1m
    rules:
      - alert: ${alert}
        expr: vector(1)
        labels: { severity: critical, service: orders }
        annotations: { summary: "${alert}" }
`;
const OPS = (users: string[]) => `users:
${users.map((u) => `  - { name: ${u}, role: admin }`).join('\n')}
services:
  - { id: orders }
  - { id: queue }
rule_files:
  files: [rules/*.yml]
  alerts:
    OrdersDown: { severity: P2 }
`;

describe('the rule groups a daemon evaluates', () => {
  let app: DaemonApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  }, scaled(60_000));

  const write = (file: string, text: string) => fs.writeFileSync(path.join(app!.dir, file), text);
  const opened = async () => (await app!.daemon.store.db.selectFrom('incidents').select(['title', 'severity']).orderBy('opened_at').execute()).map((i) => `${i.title} ${i.severity}`);

  it('at the start are the ones the config load checked, not the file as it is when the pipeline starts', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 11, 6, 12));
    app = await startDaemonApp('validated-rules', { 'ops.yaml': OPS(['ana']), 'rules/orders.yml': rules('OrdersDown') }, { operations: 'deferred', clock });
    // Read and checked by the config load (rule_files.alerts names OrdersDown, which the file has).
    write('rules/orders.yml', rules('NeverChecked'));
    await app.daemon.startOperations();
    await clock.advance(2 * MINUTE, () => app!.daemon.operations!.settle(scaled(5_000)));
    await app.daemon.operations!.settle(scaled(5_000));
    expect(await opened()).toEqual(['OrdersDown P2']);
  }, scaled(60_000));

  it('after a reload are the ones that reload checked; a rejected reload keeps them', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 11, 6, 12));
    app = await startDaemonApp('validated-rules', { 'ops.yaml': OPS(['ana']), 'rules/orders.yml': rules('OrdersDown') }, { operations: 'deferred', clock });
    let during: string | undefined;
    // Reloaded before the pipeline (added first): the file changes once the config load has read it.
    await editOnReload(app, 'rules/orders.yml', () => during);
    await app.daemon.startOperations();
    const run = async (ms: number) => {
      await clock.advance(ms, () => app!.daemon.operations!.settle(scaled(5_000)));
      await app!.daemon.operations!.settle(scaled(5_000));
    };
    await run(2 * MINUTE);
    expect(await opened()).toEqual(['OrdersDown P2']);

    // The reload checks a file with OrdersDown and a second alert; the file then changes under it.
    write('rules/orders.yml', `${rules('OrdersDown')}      - alert: QueueStuck\n        expr: vector(1)\n        labels: { severity: warning, service: queue }\n        annotations: { summary: "QueueStuck" }\n`);
    during = rules('NeverChecked');
    expect(await app.daemon.reload()).toBe(true);
    await run(2 * MINUTE);
    expect(await opened()).toEqual(['OrdersDown P2', 'QueueStuck P3']);

    // The file as it is now has no OrdersDown, which rule_files.alerts names: refused, the running groups stay.
    during = undefined;
    write('ops.yaml', OPS(['ana', 'ben']));
    expect(await app.daemon.reload()).toBe(false);
    await run(2 * MINUTE);
    expect(await opened()).toEqual(['OrdersDown P2', 'QueueStuck P3']);
  }, scaled(60_000));
});
