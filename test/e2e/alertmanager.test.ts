/**
 * A real Alertmanager (Debian's prometheus-alertmanager) sends its webhook to opsbook's receiver:
 * a firing alert opens an incident with the severity its label maps to, and the resolved webhook
 * resolves it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { listenOnLoopback, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { freePort, waitForHttp } from '../support/net.js';
import { scaled } from '../support/timing.js';

const BIN = ['/usr/bin/prometheus-alertmanager', '/usr/bin/alertmanager'].find((b) => fs.existsSync(b));
const required = process.env.OPSBOOK_REQUIRE_SERVICES === '1';
if (!BIN && required) throw new Error('prometheus-alertmanager is not installed and OPSBOOK_REQUIRE_SERVICES=1 (apt-get install prometheus-alertmanager)');
if (!BIN) console.warn('skipping: prometheus-alertmanager is not installed');

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > scaled(timeoutMs)) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!BIN)('Alertmanager → opsbook', () => {
  let server: DaemonApp;
  let daemon: Daemon;
  let app: FastifyInstance;
  let am: ChildProcess;
  let amUrl: string;
  const key = randomBytes(24).toString('hex');

  beforeAll(async () => {
    server = await startDaemonApp('am', { 'ops.yaml': `integrations:\n  - id: prom\n    kind: alertmanager\n    key: ${key}\n    labels:\n      source: prometheus\n` });
    ({ daemon, app } = server);
    const base = await listenOnLoopback(app);
    const { dir } = server;

    const amPort = await freePort();
    amUrl = `http://127.0.0.1:${amPort}`;
    fs.writeFileSync(
      path.join(dir, 'alertmanager.yml'),
      `route:
  receiver: opsbook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: opsbook
    webhook_configs:
      - url: ${base}/api/ingest/alertmanager
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: ${key}
`,
    );
    am = spawn(BIN!, [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${amPort}`, '--cluster.listen-address='], {
      stdio: 'ignore',
    });
    await waitForHttp(`${amUrl}/-/ready`, 30_000, 200, am);
  });

  afterAll(async () => {
    am?.kill('SIGTERM');
    await server?.close();
  });

  const postAlert = (endsAt?: string) =>
    fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'HighErrorRate', severity: 'critical', service: 'django-finance' },
          annotations: { summary: 'High error rate detected', runbook: 'runbooks/002.md#high-error-rate' },
          ...(endsAt ? { endsAt } : {}),
        },
      ]),
    });

  it('opens a P1 incident on the firing webhook and resolves it on the resolved one', async () => {
    expect((await postAlert()).status).toBe(200);
    const incident = await until('an incident from Alertmanager', async () => (await daemon.operations!.incidents.list({ limit: 5 }))[0]);
    expect(incident.severity).toBe('P1');
    expect(incident.labels).toMatchObject({ alertname: 'HighErrorRate', service: 'django-finance', source: 'prometheus' });
    expect(incident.runbook).toBe('runbooks/002.md#high-error-rate');
    const alerts = await daemon.operations!.incidents.alerts(incident.id);
    expect(alerts.map((a) => [a.ruleId, a.state])).toEqual([['alertmanager:HighErrorRate', 'firing']]);

    expect((await postAlert(new Date(Date.now() - 1000).toISOString())).status).toBe(200);
    const resolved = await until('the resolved webhook', async () => {
      const i = await daemon.operations!.incidents.get(incident.id);
      return i.state === 'resolved' ? i : undefined;
    });
    expect(resolved.state).toBe('resolved');
  });

  it('refuses a webhook without the integration key', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/ingest/alertmanager', payload: { version: '4', groupKey: 'g', status: 'firing', receiver: 'r', alerts: [] } });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'OPSBOOK_E_INTEGRATION_KEY' } });
  });
});
