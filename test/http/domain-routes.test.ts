/**
 * The API's domain routes through `app.inject` with real tokens on a real daemon (SQLite in a temp
 * dir): services, alerts, runbooks, executions (start, run a step, tick, finish, cancel), on-call,
 * maintenance and silences, channels and dead letters, the audit log.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { GENESIS_HASH, verifyAuditChain, type AuditEntry } from '../../src/store/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;
let token: Record<string, string>;

const CONFIG = `users:
  - { name: ana, role: responder }
  - { name: vic, role: viewer }
  - { name: adm, role: admin }
services:
  - id: web
    name: Web front
    shell: { cwd: . }
  - { id: other }
checks:
  - { id: web-up, kind: tcp, host: 127.0.0.1, port: 9, service: web, interval: 1h }
channels:
  - id: hook
    kind: webhook
    url: http://127.0.0.1:9/hook
    secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
schedules:
  - id: primary
    time_zone: UTC
    layers:
      - name: Weekly
        users: [ana, vic]
        rotation: { length: 1w, handoff: "09:00", start: 2026-03-02 }
maintenance:
  - { id: always, cron: "* * * * *", duration: 2m, time_zone: UTC, services: [other] }
runbooks:
  - runbooks/*.md
`;

const RUNBOOK = '# Web\n\n## RB-1: Restart web\n\n**Diagnosis:**\n```bash\necho "looking at web"\n```\n\n- [ ] Told the customer\n';

beforeAll(async () => {
  server = await startDaemonApp('domain-routes', { 'ops.yaml': CONFIG, 'runbooks/web.md': RUNBOOK });
  ({ daemon, app } = server);
  token = await apiTokens(daemon, 'adm', ['ana', 'vic', 'adm']);
});
afterAll(async () => {
  await server?.close();
});

async function call<T = Record<string, unknown>>(user: string, method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${token[user]}` }, ...(body !== undefined ? { payload: body as object } : {}) });
  return { status: res.statusCode, json: res.json() as T };
}

describe('domain routes', () => {
  it('lists services with their checks, channels without secrets, and alert series', async () => {
    expect((await call('vic', 'GET', '/api/services')).json).toEqual({ services: [{ id: 'web', name: 'Web front', checks: ['web-up'] }, { id: 'other', name: 'other', checks: [] }] });
    const channels = await call('vic', 'GET', '/api/channels');
    expect(channels.json).toEqual({ channels: [{ id: 'hook', kind: 'webhook' }] });
    expect(JSON.stringify(channels.json)).not.toContain('whsec_');
    const alerts = await call<{ alerts: unknown[] }>('vic', 'GET', '/api/alerts');
    expect(alerts.status).toBe(200);
    expect(Array.isArray(alerts.json.alerts)).toBe(true);
  });

  it('lists runbooks and shows one procedure by its URL-encoded FILE#ID ref', async () => {
    const list = await call<{ runbooks: Array<{ file: string; procedures: Array<{ ref: string; steps: number }> }> }>('vic', 'GET', '/api/runbooks');
    expect(list.json.runbooks.map((r) => r.procedures.map((p) => [p.ref, p.steps]))).toEqual([[['runbooks/web.md#RB-1', 2]]]);
    const one = await call<{ title: string; plan: { steps: unknown[] } }>('vic', 'GET', `/api/runbooks/procedures/${encodeURIComponent('runbooks/web.md#RB-1')}`);
    expect(one.status).toBe(200);
    expect(one.json.title).toBe('Restart web');
    expect(one.json.plan.steps).toHaveLength(2);
    const missing = await call<{ error: { code: string } }>('vic', 'GET', `/api/runbooks/procedures/${encodeURIComponent('runbooks/web.md#RB-9')}`);
    expect(missing.status).toBeGreaterThanOrEqual(400);
    expect(missing.json.error.code).toMatch(/^OPSBOOK_E_/);
  });

  it('starts an execution, runs and ticks its steps, finishes it, and lists it; a viewer may not run', async () => {
    const started = await call<{ id: string }>('ana', 'POST', '/api/executions', { procedure: 'runbooks/web.md#RB-1', service: 'web' });
    expect(started.status).toBe(201);
    const id = started.json.id;
    expect((await call('vic', 'POST', `/api/executions/${id}/steps/1/run`, {})).status).toBe(403);
    const run = await call<{ entries: Array<{ stdout: string }> }>('ana', 'POST', `/api/executions/${id}/steps/1/run`, {});
    expect(run.status).toBe(200);
    expect(run.json.entries[0]!.stdout, JSON.stringify(run.json)).toBe('looking at web\n');
    expect((await call('ana', 'POST', `/api/executions/${id}/steps/2/tick`, { note: 'called' })).status).toBe(200);
    const finished = await call<{ state: string }>('ana', 'POST', `/api/executions/${id}/finish`);
    expect(finished.json.state).toBe('passed');
    const shown = await call<{ state: string; transcript: Array<{ kind: string; actor: string }> }>('vic', 'GET', `/api/executions/${id}`);
    expect(shown.json.transcript.map((t) => [t.kind, t.actor])).toEqual([['command', 'ana'], ['tick', 'ana']]);
    const other = await call<{ id: string }>('ana', 'POST', '/api/executions', { procedure: 'runbooks/web.md#RB-1' });
    expect((await call<{ state: string }>('ana', 'POST', `/api/executions/${other.json.id}/cancel`)).json.state).toBe('cancelled');
    const list = await call<{ executions: Array<{ id: string; state: string }> }>('vic', 'GET', '/api/executions');
    expect(list.json.executions.map((e) => [e.id, e.state]).sort()).toEqual([[id, 'passed'], [other.json.id, 'cancelled']].sort());
  });

  it('answers who is on call at an instant', async () => {
    const r = await call<{ at: string; schedules: Array<{ id: string; on_call: { user: string } }> }>('vic', 'GET', '/api/oncall/now?at=2026-03-03T12:00:00Z');
    expect(r.json.at).toBe('2026-03-03T12:00:00.000Z');
    expect(r.json.schedules.map((s) => [s.id, s.on_call.user])).toEqual([['primary', 'ana']]);
    expect((await call('vic', 'GET', '/api/oncall/now?at=yesterday')).json).toMatchObject({ error: { code: 'OPSBOOK_E_REQUEST_INVALID', path: 'query.at' } });
  });

  it('shows maintenance windows with whether they are active, and live silences', async () => {
    const w = await call<{ windows: Array<{ id: string; active: boolean }> }>('vic', 'GET', '/api/maintenance');
    expect(w.json.windows.map((x) => [x.id, x.active])).toEqual([['always', true]]);
    const created = await call<{ id: string }>('ana', 'POST', '/api/silences', { matchers: [{ label: 'service', value: 'web' }], ends_at: Date.now() + 3_600_000, comment: 'deploy' });
    expect(created.status).toBe(201);
    const live = await call<{ silences: Array<{ id: string; comment: string }> }>('vic', 'GET', '/api/silences');
    expect(live.json.silences.map((s) => [s.id, s.comment])).toEqual([[created.json.id, 'deploy']]);
  });

  it('lists dead letters and refuses to re-drive an unknown one (admin only)', async () => {
    expect((await call('vic', 'GET', '/api/deliveries/dead')).json).toEqual({ dead: [], total: 0 });
    expect((await call('ana', 'POST', '/api/deliveries/out_nope/redrive')).status).toBe(403);
    expect((await call<{ error: { code: string } }>('adm', 'POST', '/api/deliveries/out_nope/redrive')).json.error.code).toBe('OPSBOOK_E_OUTBOX_UNKNOWN');
  });

  it('says how many dead letters there are when a limit cuts the list', async () => {
    const at = Date.now();
    const rows = [0, 1, 2].map((i) => ({
      id: `out_dead_${i}`, channel_id: 'gone', event: 'incident.triggered', incident_id: null, dedup_key: null, payload: '{}', status: 'dead' as const, created_at: at + i, due_at: null,
      attempts: 3, retry_from: at, retry_from_attempt: 1, lease_owner: null, delivered_at: null, dead_at: at + i, last_status: 410, last_error: 'HTTP 410: gone',
    }));
    await daemon.store.db.insertInto('outbox').values(rows).execute();
    try {
      const cut = await call<{ dead: Array<{ id: string }>; total: number }>('vic', 'GET', '/api/deliveries/dead?limit=2');
      expect(cut.json.dead.map((d) => d.id)).toEqual(['out_dead_0', 'out_dead_1']);
      expect(cut.json.total).toBe(3);
      expect((await call<{ dead: unknown[]; total: number }>('vic', 'GET', '/api/deliveries/dead')).json.total).toBe(3);
    } finally {
      await daemon.store.db.deleteFrom('outbox').where('id', 'in', rows.map((r) => r.id)).execute();
    }
  });

  it('pages the audit log in chain order and the pages verify against the head', async () => {
    // Refused first: a 403 is itself audited, so the head is read after it.
    expect((await call('vic', 'GET', '/api/audit')).status).toBe(403);
    const head = await call<{ seq: number; hash: string }>('vic', 'GET', '/api/audit/head');
    expect(head.json.seq).toBeGreaterThan(2);
    expect(head.json.hash).not.toBe(GENESIS_HASH);
    const entries: AuditEntry[] = [];
    let after = 0;
    for (let page = 0; page < 100; page++) {
      const r = await call<{ entries: AuditEntry[]; next?: number }>('adm', 'GET', `/api/audit?after=${after}&limit=2`);
      entries.push(...r.json.entries);
      if (r.json.next === undefined) break;
      after = r.json.next;
    }
    expect(entries.length).toBe(head.json.seq);
    expect(verifyAuditChain(entries, head.json.hash)).toEqual([]);
  });
});
