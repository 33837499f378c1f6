/**
 * An alert label chosen by whoever holds an integration key reaches a runbook step through the
 * incident it opens (`/api/ingest/alertmanager` → incident labels → parameters). On a real daemon
 * over `app.inject`: the value is shown as untrusted before the step runs, stays one argument when
 * it does, and nothing it names is executed.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { setUserPassword, webAuthFor } from '../../src/http/sessions/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { form, PASSWORD, signIn, TEST_COST } from '../ui/support.js';

const KEY = 'k'.repeat(40);
const CONFIG = `users:
  - { name: ana, role: responder }
services:
  - id: web
    shell: { cwd: work }
integrations:
  - { id: prom, kind: alertmanager, key: ${KEY} }
procedures:
  "runbooks/logs.md#RB-1": { service: web }
runbooks:
  - runbooks/*.md
`;
const RUNBOOK = '# Logs\n\n## RB-1: Find logs\n\n**Diagnosis:**\n```bash\nfind $LOG_DIR -name "*.log"\n```\n';

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;
let token: Record<string, string>;

beforeAll(async () => {
  server = await startDaemonApp('inj-ingest', { 'ops.yaml': CONFIG, 'runbooks/logs.md': RUNBOOK, 'work/logs/app.log': 'x\n' }, { beforeServer: (d) => webAuthFor(d) });
  ({ daemon, app } = server);
  token = await apiTokens(daemon, 'ana', ['ana']);
  await setUserPassword({ store: daemon.store, clock: daemon.clock, users: daemon.config.users }, { name: 'ana', role: 'admin', via: 'cli' }, 'ana', PASSWORD, TEST_COST);
});
afterAll(async () => {
  await server?.close();
});

async function call<T = Record<string, unknown>>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token.ana}` }, ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, json: res.json() as T };
}

async function ingest(logDir: string, fingerprint: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/ingest/alertmanager',
    headers: { authorization: `Bearer ${KEY}` },
    payload: { version: '4', groupKey: fingerprint, receiver: 'opsbook', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: `Disk-${fingerprint}`, severity: 'critical', service: 'web', log_dir: logDir }, annotations: {}, startsAt: new Date().toISOString(), fingerprint }] },
  });
  expect(res.statusCode).toBe(200);
  return (res.json() as { incidents: string[] }).incidents[0]!;
}

describe('an alert label bound to a step parameter', () => {
  it('the UI shows the untrusted value on a confirmation page before a read step runs', async () => {
    const canary = path.join(server.dir, 'work', 'PWNED-UI');
    const value = `logs -exec touch ${canary} ;`;
    const incidentId = await ingest(value, 'ui');
    const { cookie, csrf } = await signIn(app, 'ana');
    const fields = { _csrf: csrf, procedure: 'runbooks/logs.md#RB-1', step: '1' };
    const posted = await app.inject({ method: 'POST', url: `/incidents/${incidentId}/run`, headers: { cookie, ...form(fields).headers }, payload: form(fields).payload });
    // The step's confirmation page, after a redirect (a reload shows it again, it does not post).
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe(`/incidents/${incidentId}/run?procedure=${encodeURIComponent(fields.procedure)}&step=1`);
    expect(fs.existsSync(canary)).toBe(false);
    const shown = await app.inject({ url: String(posted.headers.location), headers: { cookie } });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('Untrusted values');
    expect(shown.body).toContain(`<code>log_dir</code> = <code>logs -exec touch`);
    expect(fs.existsSync(canary)).toBe(false);
    const confirmed = { ...fields, confirm: 'yes' };
    const ran = await app.inject({ method: 'POST', url: `/incidents/${incidentId}/run`, headers: { cookie, ...form(confirmed).headers }, payload: form(confirmed).payload });
    expect(ran.statusCode).toBe(303);
    expect(fs.existsSync(canary)).toBe(false);
  });

  it('is shown as untrusted in the plan and runs as one quoted argument: find -exec never runs', async () => {
    const canary = path.join(server.dir, 'work', 'PWNED');
    const ingest = await app.inject({
      method: 'POST',
      url: '/api/ingest/alertmanager',
      headers: { authorization: `Bearer ${KEY}` },
      payload: {
        version: '4',
        groupKey: 'g',
        receiver: 'opsbook',
        status: 'firing',
        alerts: [{ status: 'firing', labels: { alertname: 'DiskFull', severity: 'critical', service: 'web', log_dir: `logs -exec touch ${canary} ;` }, annotations: {}, startsAt: new Date().toISOString(), fingerprint: 'f1' }],
      },
    });
    expect(ingest.statusCode).toBe(200);
    const incidentId = (ingest.json() as { incidents: string[] }).incidents[0];
    expect(incidentId).toBeDefined();
    const started = await call<{ id: string; plan: { parameters: Array<{ name: string; source: string; untrusted?: boolean }> } }>('POST', '/api/executions', { procedure: 'runbooks/logs.md#RB-1', incident: incidentId });
    expect(started.status).toBe(201);
    expect(started.json.plan.parameters.find((p) => p.name === 'log_dir')).toMatchObject({ source: 'incident', untrusted: true });
    const ran = await call<{ status: string; entries: Array<{ data: { script?: string } }> }>('POST', `/api/executions/${started.json.id}/steps/1/run`, {});
    expect(ran.status).toBe(200);
    expect(fs.existsSync(canary)).toBe(false);
    expect(ran.json.entries[0]!.data.script).toBe('find "$LOG_DIR" -name "*.log"');
  });
});
