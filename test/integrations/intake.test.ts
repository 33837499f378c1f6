/**
 * More intake on a real daemon: Grafana-managed alerting's webhook payload and a generic JSON
 * sender through a configured mapping (JSON paths → title, severity, dedup key, labels, status)
 * open the expected incidents and resolve them; a payload lacking a mapped field is refused with
 * its exact path; a mapping on the wrong kind is a config error.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { integrationsSection } from '../../src/config/schema/integrations.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const GRAFANA_KEY = 'g'.repeat(32);
const JSON_KEY = 'j'.repeat(32);
const fixture = (name: string) => fs.readFileSync(path.join(import.meta.dirname, '../fixtures/ingest', name), 'utf8');

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;

beforeAll(async () => {
  server = await startDaemonApp('intake', {
    'ops.yaml': `integrations:
  - { id: grafana, kind: grafana, key: ${GRAFANA_KEY}, labels: { source: grafana } }
  - id: uptime
    kind: json
    key: ${JSON_KEY}
    mapping:
      title: $.check.name
      dedup_key: $.check.id
      severity: $.level
      status: $.state
      resolved_values: [up]
      summary: $.details
      labels: { team: '$.meta["team name"]', region: $.meta.region, url: $.check.url }
  - id: batch
    kind: json
    key: ${JSON_KEY}b
    mapping: { alerts: $.events, title: $.title, dedup_key: $.key }
`,
  });
  ({ daemon, app } = server);
});
afterAll(async () => {
  await server?.close();
});

const post = (url: string, key: string, payload: string | object) =>
  app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });

describe('Grafana and generic JSON intake', () => {
  it('opens one incident per Grafana alert series, with labels, value and links, and resolves them', async () => {
    const res = await post('/api/ingest/grafana', GRAFANA_KEY, fixture('grafana-firing.json'));
    expect(res.statusCode, res.body).toBe(200);
    const { accepted, incidents } = res.json() as { accepted: number; incidents: string[] };
    expect(accepted).toBe(2);
    const opened = await Promise.all(incidents.map((id) => daemon.operations!.incidents.get(id)));
    expect(opened.length).toBeGreaterThanOrEqual(1);
    const first = opened[0]!;
    expect(first).toMatchObject({ state: 'triggered', service: 'api', labels: { alertname: 'High memory usage', grafana_folder: 'Infra', source: 'grafana' } });
    expect(first.title).toContain('Memory above 90%');
    const alerts = (await Promise.all(incidents.map((id) => daemon.operations!.incidents.alerts(id)))).flat();
    expect(alerts.map((a) => a.labels.instance).sort()).toEqual(['api-1', 'api-2']);
    const a1 = alerts.find((a) => a.labels.instance === 'api-1')!;
    expect(a1).toMatchObject({ ruleId: 'grafana:High memory usage', value: 92.4, annotations: { dashboard_url: 'https://grafana.example.org/d/mem?orgId=1', panel_url: expect.stringContaining('viewPanel=2') } });
    expect(a1.severity).toBe('P3');

    const resolved = JSON.parse(fixture('grafana-firing.json')) as { status: string; alerts: Array<{ status: string; endsAt: string }> };
    resolved.status = 'resolved';
    for (const a of resolved.alerts) Object.assign(a, { status: 'resolved', endsAt: new Date().toISOString() });
    expect((await post('/api/ingest/grafana', GRAFANA_KEY, resolved)).statusCode).toBe(200);
    for (const id of incidents) expect((await daemon.operations!.incidents.get(id)).state).toBe('resolved');

    expect((await post('/api/ingest/grafana', 'wrong-key-wrong-key', fixture('grafana-firing.json'))).statusCode).toBe(401);
  });

  it('maps a generic JSON payload onto an alert and resolves it by the same dedup key', async () => {
    const res = await post('/api/ingest/json/uptime', JSON_KEY, fixture('json-uptime.json'));
    expect(res.statusCode, res.body).toBe(200);
    const id = (res.json() as { incidents: string[] }).incidents[0]!;
    const incident = await daemon.operations!.incidents.get(id);
    expect(incident).toMatchObject({ title: 'Checkout page', severity: 'P1', state: 'triggered', labels: { team: 'payments', region: 'eu-west', url: 'https://shop.example.org/checkout', dedup_key: 'chk-4411' } });
    const [alert] = await daemon.operations!.incidents.alerts(id);
    expect(alert!.annotations).toMatchObject({ summary: 'Checkout page', description: 'HTTP 502 from 3 of 3 locations' });

    const up = { ...(JSON.parse(fixture('json-uptime.json')) as object), state: 'up' };
    expect((await post('/api/ingest/json/uptime', JSON_KEY, up)).json()).toMatchObject({ incidents: [id] });
    expect((await daemon.operations!.incidents.get(id)).state).toBe('resolved');
  });

  it('reads a list of alerts, and refuses a payload lacking a mapped field with its path', async () => {
    const ok = await post('/api/ingest/json/batch', `${JSON_KEY}b`, { events: [{ title: 'Backup late', key: 'b-1' }, { title: 'Cert expiring', key: 'c-1' }] });
    expect(ok.json()).toMatchObject({ accepted: 2 });
    // Alerts of one rule arriving together group into one incident, each kept as its own alert.
    const batchAlerts = (await Promise.all((ok.json() as { incidents: string[] }).incidents.map((id) => daemon.operations!.incidents.alerts(id)))).flat();
    expect(batchAlerts.map((a) => a.labels.dedup_key).sort()).toEqual(['b-1', 'c-1']);

    const missing = await post('/api/ingest/json/batch', `${JSON_KEY}b`, { events: [{ title: 'x', key: 'k' }, { title: 'no key' }] });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'OPSBOOK_E_REQUEST_INVALID', path: 'body.events[1].key' } });
    const notList = await post('/api/ingest/json/batch', `${JSON_KEY}b`, { events: {} });
    expect(notList.json()).toMatchObject({ error: { path: 'body.events' } });
    // The key of one json integration does not open another's.
    expect((await post('/api/ingest/json/batch', JSON_KEY, { events: [] })).statusCode).toBe(401);
  });

  it('config: a json integration needs a mapping, others take none, paths are checked', () => {
    const issues = (input: unknown) => integrationsSection.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues([{ id: 'a', kind: 'json', key: 'k'.repeat(16) }])).toEqual(['0.mapping: a json integration needs a mapping (title and dedup_key at least)']);
    expect(issues([{ id: 'a', kind: 'grafana', key: 'k'.repeat(16), mapping: { title: '$.t', dedup_key: '$.k' } }])[0]).toContain('mapping applies to kind json only');
    expect(issues([{ id: 'a', kind: 'json', key: 'k'.repeat(16), mapping: { title: 'check.name', dedup_key: '$.k' } }])[0]).toMatch(/^0\.mapping\.title: must be a JSON path/);
  });
});
