/**
 * The HTTP edge under hostile or oversized input: Fastify's own 404 and 400 answers use the
 * documented error shape, the public readiness probe names no absolute path, an Alertmanager
 * webhook of 8,000 alerts is accepted (ingest routes have a larger, still bounded body limit),
 * a 403 leaves an audit entry, and the daemon stays up throughout.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { listAudit } from '../../src/store/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;
let tokens: Record<string, string>;
const KEY = 'am-key-0123456789abcdef0123456789';

beforeAll(async () => {
  server = await startDaemonApp('edges', {
    'ops.yaml': `users:\n  - name: boss\n    role: admin\n  - name: vic\n    role: viewer\nintegrations:\n  - id: prom\n    kind: alertmanager\n    key: ${KEY}\n`,
  });
  ({ daemon, app } = server);
  tokens = await apiTokens(daemon, 'boss', ['vic']);
});
afterAll(async () => {
  await server?.close();
});

const errorShape = { error: { code: expect.stringMatching(/^OPSBOOK_E_/), message: expect.any(String) } };

describe('HTTP edges', () => {
  it("answers Fastify's own 404 in the documented error shape", async () => {
    const r = await app.inject({ method: 'GET', url: '/api/no-such-thing' });
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: { code: 'OPSBOOK_E_NOT_FOUND', message: expect.stringContaining('/api/no-such-thing') } });
  });

  it("answers Fastify's own 400 (malformed JSON) and 415 in the documented error shape", async () => {
    const auth = { authorization: `Bearer ${tokens.vic}` };
    const bad = await app.inject({ method: 'POST', url: '/api/ingest/alertmanager', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, payload: '{"version": "4",' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject(errorShape);
    const type = await app.inject({ method: 'POST', url: '/api/incidents', headers: { 'content-type': 'text/x-nope', ...auth }, payload: 'x' });
    expect(type.statusCode).toBe(415);
    expect(type.json()).toMatchObject(errorShape);
  });

  it('names config files in /_health/ready without their absolute path', async () => {
    const r = await app.inject({ method: 'GET', url: '/_health/ready' });
    expect(r.statusCode).toBe(200);
    expect(r.body).not.toContain(server.dir);
    expect(r.json()).toMatchObject({ checks: { config: { detail: 'ops.yaml' } } });
  });

  it('audits a 403', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/incidents', headers: { authorization: `Bearer ${tokens.vic}` }, payload: { title: 'x', severity: 'P1' } });
    expect(r.statusCode).toBe(403);
    const denied = (await listAudit(daemon.store.db)).filter((e) => e.action === 'access.denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ actor: 'vic', subject: 'route:POST /api/incidents' });
  });

  it('accepts an Alertmanager webhook of 8,000 alerts and refuses an unbounded one with 413', async () => {
    const alerts = Array.from({ length: 8000 }, (_, i) => ({
      status: 'firing',
      labels: { alertname: 'DiskFull', instance: `node-${i}.example.internal:9100`, severity: 'critical', job: 'node' },
      annotations: { summary: `disk on node-${i} is 97% full`, description: 'x'.repeat(200) },
      startsAt: '2026-03-04T10:00:00Z',
      fingerprint: i.toString(16).padStart(16, '0'),
    }));
    const payload = { version: '4', groupKey: '{}:{alertname="DiskFull"}', status: 'firing', receiver: 'opsbook', groupLabels: { alertname: 'DiskFull' }, commonLabels: { alertname: 'DiskFull' }, commonAnnotations: {}, externalURL: 'http://am', alerts };
    const body = JSON.stringify(payload);
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const r = await app.inject({ method: 'POST', url: '/api/ingest/alertmanager', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, payload: body });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ accepted: 8000 });
    // A storm of one rule groups into a handful of incidents, not 8,000.
    expect((r.json() as { incidents: string[] }).incidents.length).toBeLessThanOrEqual(10);

    const huge = `{"version":"4","pad":"${'x'.repeat(40 * 1024 * 1024)}"}`;
    const tooBig = await app.inject({ method: 'POST', url: '/api/ingest/alertmanager', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, payload: huge });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json()).toMatchObject(errorShape);
    expect((await app.inject({ method: 'GET', url: '/_health/live' })).statusCode).toBe(200);
  }, scaled(180_000));
});
