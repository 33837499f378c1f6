/**
 * The runbooks a daemon runs are the ones its config load read and validated: a start and each
 * reload read them once. A runbook file changed after the load (a `git pull` landing between two
 * reads) is what the next reload validates and runs, never something the load did not see. One
 * daemon on SQLite; the file is changed where a second read would happen: between the load and
 * the start of the pipeline (`operations: 'deferred'`), and during a reload, by a part of the
 * daemon that reloads before the pipeline.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { editOnReload } from '../support/edit-on-reload.js';
import { scaled } from '../support/timing.js';

const runbook = (command: string, id = 'RB-001') => `# Orders\n\n## ${id}: Orders down\n\n**Diagnosis:**\n\n1. Look at the port\n\n\`\`\`bash\n${command}\n\`\`\`\n`;
const OPS = (users: string[]) => `users:
${users.map((u) => `  - { name: ${u}, role: admin }`).join('\n')}
services:
  - { id: orders }
checks:
  - { id: orders-port, kind: tcp, service: orders, host: 127.0.0.1, port: 9, interval: 1h, runbook: "runbooks/orders.md#RB-001" }
runbooks: [runbooks/*.md]
`;

describe('the runbooks a daemon runs', () => {
  let app: DaemonApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  }, scaled(60_000));

  const write = (file: string, text: string) => fs.writeFileSync(path.join(app!.dir, file), text);
  /** The commands the running daemon would run for the check's procedure. */
  const commands = async () => (await app!.daemon.executions!.plan('runbooks/orders.md#RB-001')).steps.flatMap((s) => s.commands.map((c) => c.text));

  it('at the start are the ones the config load validated, not the file as it is when the pipeline starts', async () => {
    app = await startDaemonApp('validated-runbooks', { 'ops.yaml': OPS(['ana']), 'runbooks/orders.md': runbook('echo validated') }, { operations: 'deferred' });
    // Read and checked by the config load: the check's RB-001 is there.
    write('runbooks/orders.md', runbook('echo never-validated', 'RB-002'));
    await app.daemon.startOperations();
    expect(await commands()).toEqual(['echo validated']);
  }, scaled(60_000));

  it('after a reload are the ones that reload validated; a rejected reload keeps them', async () => {
    app = await startDaemonApp('validated-runbooks', { 'ops.yaml': OPS(['ana']), 'runbooks/orders.md': runbook('echo first') }, { operations: 'deferred' });
    // Reloaded before the pipeline (added first): the file changes once the config load has read it.
    let during: string | undefined;
    await editOnReload(app, 'runbooks/orders.md', () => during);
    await app.daemon.startOperations();
    expect(await commands()).toEqual(['echo first']);

    write('runbooks/orders.md', runbook('echo second'));
    during = runbook('echo never-validated', 'RB-002');
    expect(await app.daemon.reload()).toBe(true);
    expect(await commands()).toEqual(['echo second']);

    // The file as it is now names no RB-001: the reload is refused and the running runbooks stay.
    during = undefined;
    write('ops.yaml', OPS(['ana', 'ben']));
    expect(await app.daemon.reload()).toBe(false);
    expect(app.daemon.config.users.map((u) => u.name)).toEqual(['ana']);
    expect(await commands()).toEqual(['echo second']);
  }, scaled(60_000));
});
