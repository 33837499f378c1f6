/**
 * A config reload whose runbooks cannot be read, or whose FILE#ID references name no procedure, is
 * refused as a whole: the running config stays in force, not a new config with the old procedures
 * under it. One daemon on SQLite.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const RUNBOOK = '# Orders\n\n## RB-001: Orders down\n\n**Diagnosis:**\n\n1. Look at the port\n\n```bash\necho looking\n```\n';
const OPS = ({ users, runbooks = '[runbooks/*.md]', reference = 'runbooks/orders.md#RB-001' }: { users: string[]; runbooks?: string; reference?: string }) => `users:
${users.map((u) => `  - { name: ${u}, role: admin }`).join('\n')}
services:
  - { id: orders }
checks:
  - { id: orders-port, kind: tcp, service: orders, host: 127.0.0.1, port: 9, interval: 1h, runbook: "${reference}" }
runbooks: ${runbooks}
`;

describe('a reload with broken runbook references', () => {
  let app: DaemonApp;
  beforeAll(async () => {
    app = await startDaemonApp('runbook-reload', { 'runbooks/orders.md': RUNBOOK, 'ops.yaml': OPS({ users: ['ana'] }) });
  }, scaled(60_000));
  afterAll(async () => app?.close(), scaled(60_000));

  const write = (text: string) => fs.writeFileSync(path.join(app.dir, 'ops.yaml'), text);
  const users = () => app.daemon.config.users.map((u) => u.name);

  it('keeps the running config for a runbook file that does not exist or a reference to no procedure; takes a good one', async () => {
    write(OPS({ users: ['ana', 'ben'], runbooks: '[runbooks/order.md]' }));
    expect(await app.daemon.reload()).toBe(false);
    expect(users()).toEqual(['ana']);

    write(OPS({ users: ['ana', 'ben'], reference: 'runbooks/orders.md#RB-002' }));
    expect(await app.daemon.reload()).toBe(false);
    expect(users()).toEqual(['ana']);
    expect(app.daemon.config.checks[0]!.runbook).toBe('runbooks/orders.md#RB-001');

    write(OPS({ users: ['ana', 'ben'] }));
    expect(await app.daemon.reload()).toBe(true);
    expect(users()).toEqual(['ana', 'ben']);
  });
});
