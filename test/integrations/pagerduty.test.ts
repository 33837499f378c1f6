/**
 * PagerDuty both ways on a real daemon: an incident opened here is triggered in a loopback Events
 * API v2 stand-in that checks each body; a V3 webhook signed with the channel's secret acknowledges
 * it here, and no acknowledge goes back to PagerDuty (it came from there), while the other channel
 * hears of it; a resolve here resolves there. Forged, unsigned and unknown-channel webhooks are refused.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { pagerDutySignature } from '../../src/notify/index.js';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { listOutbox } from '../../src/store/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';
import { pagerDutyStandIn, type PagerDutyStandIn } from './pagerduty-standin.js';

const KEY = 'k'.repeat(40);
const ROUTING = 'R0123456789abcdef0123456789abcde';
const SECRET = 'pd-webhook-secret-0123456789';

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;
let pd: PagerDutyStandIn;
let hook: Receiver;

beforeAll(async () => {
  pd = await pagerDutyStandIn(ROUTING);
  hook = await startReceiver(() => ({ status: 204 }));
  server = await startDaemonApp('pagerduty', {
    'ops.yaml': `server:
  public_url: http://opsbook.test
users:
  - { name: ana, role: responder }
integrations:
  - { id: prom, kind: alertmanager, key: ${KEY} }
channels:
  - { id: pd, kind: pagerduty, routing_key: ${ROUTING}, events_url: "${pd.url}", webhook_secrets: ["${SECRET}"] }
  - { id: hook, kind: webhook, url: "${hook.url}", secrets: ["whsec_${Buffer.alloc(32, 7).toString('base64')}"] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: pd }, { channel: hook }], timeout: 1h }
`,
  });
  ({ daemon, app } = server);
});
afterAll(async () => {
  await server?.close();
  await pd?.close();
  await hook?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = scaled(30_000)): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function fire(name: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/ingest/alertmanager',
    headers: { authorization: `Bearer ${KEY}` },
    payload: { version: '4', groupKey: name, receiver: 'opsbook', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: name, severity: 'warning', service: 'api' }, annotations: { summary: `${name} on api` }, startsAt: new Date().toISOString() }] },
  });
  expect(res.statusCode).toBe(200);
  return (res.json() as { incidents: string[] }).incidents[0]!;
}

function v3(type: string, incidentKey: string, agent = 'Ana Example'): string {
  return JSON.stringify({
    event: {
      id: '01DEN4HPBQAAAG05V5QQYBRZMF',
      event_type: type,
      resource_type: 'incident',
      occurred_at: new Date().toISOString(),
      agent: { html_url: 'https://acme.pagerduty.com/users/PLH1HKV', id: 'PLH1HKV', self: 'https://api.pagerduty.com/users/PLH1HKV', summary: agent, type: 'user_reference' },
      client: null,
      data: { id: 'Q2B3ABCD', type: 'incident', self: 'https://api.pagerduty.com/incidents/Q2B3ABCD', html_url: 'https://acme.pagerduty.com/incidents/Q2B3ABCD', number: 42, status: type.replace('incident.', ''), incident_key: incidentKey, title: 'x', urgency: 'high' },
    },
  });
}

const webhook = (body: string, signature: string | undefined, channel = 'pd') =>
  app.inject({ method: 'POST', url: `/api/integrations/pagerduty/${channel}`, headers: { 'content-type': 'application/json', ...(signature ? { 'x-pagerduty-signature': signature } : {}) }, payload: body });

describe('PagerDuty both ways', () => {
  it('triggers, takes an acknowledgement back without echoing it, and resolves by dedup key', async () => {
    const id = await fire('QueueDepth');
    const trigger = await until('the trigger event', () => pd.events.find((e) => e.event_action === 'trigger' && e.dedup_key === id));
    expect(trigger).toMatchObject({ routing_key: ROUTING, payload: { severity: 'warning', source: 'opsbook', component: 'api' }, client_url: `http://opsbook.test/incidents/${id}` });
    expect(pd.refused).toEqual([]);

    // A tampered body under a signature made for another body is refused; so is an unsigned one.
    const body = v3('incident.acknowledged', id);
    expect((await webhook(body.replace('Ana', 'Eve'), pagerDutySignature(SECRET, body))).statusCode).toBe(401);
    expect((await webhook(body, undefined)).statusCode).toBe(401);
    expect((await webhook(body, pagerDutySignature('other-secret-000', body))).statusCode).toBe(401);
    expect((await webhook(body, pagerDutySignature(SECRET, body), 'hook')).statusCode).toBe(401);
    expect((await daemon.operations!.incidents.get(id)).state).toBe('triggered');

    // Several signatures (a rotation) are accepted when one matches.
    const res = await webhook(body, `${pagerDutySignature('old-secret-0000', body)}, ${pagerDutySignature(SECRET, body)}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ event: 'incident.acknowledged', incident: id, state: 'acknowledged' });
    const timeline = await daemon.operations!.incidents.timeline(id);
    expect(timeline.some((t) => t.actor === 'pagerduty:pd' && t.text.includes('acknowledged in PagerDuty by Ana Example'))).toBe(true);

    // The webhook channel hears of the acknowledgement; PagerDuty does not (no outbox row at all).
    await until('the acknowledgement on the webhook channel', () => hook.requests.find((r) => r.body.includes('"incident.acknowledged"') && r.body.includes(id)));
    const rows = await listOutbox(daemon.store.db, { incidentId: id, limit: 50 });
    expect(rows.filter((r) => r.channel_id === 'pd').map((r) => r.event)).toEqual(['incident.triggered']);

    // Resolved here: resolved there, by the same dedup key.
    await daemon.operations!.act(id, 'resolve', { name: 'ana', role: 'responder', via: 'cli' });
    await until('the resolve event', () => pd.events.find((e) => e.event_action === 'resolve' && e.dedup_key === id));
    expect(pd.events.filter((e) => e.dedup_key === id).map((e) => e.event_action)).toEqual(['trigger', 'resolve']);
    expect(pd.refused).toEqual([]);

    // A late acknowledgement from PagerDuty for a resolved incident changes nothing.
    const late = v3('incident.acknowledged', id);
    expect((await webhook(late, pagerDutySignature(SECRET, late))).json()).toMatchObject({ ignored: 'the incident is already resolved here' });
  });

  it('a resolve in PagerDuty resolves here and is not sent back; events it does not act on are answered', async () => {
    const id = await fire('DiskFull');
    await until('the trigger event', () => pd.events.find((e) => e.event_action === 'trigger' && e.dedup_key === id));
    const body = v3('incident.resolved', id);
    expect((await webhook(body, pagerDutySignature(SECRET, body))).json()).toMatchObject({ incident: id, state: 'resolved' });
    await until('the resolution on the webhook channel', () => hook.requests.find((r) => r.body.includes('"incident.resolved"') && r.body.includes(id)));
    const rows = await listOutbox(daemon.store.db, { incidentId: id, limit: 50 });
    expect(rows.filter((r) => r.channel_id === 'pd').map((r) => r.event)).toEqual(['incident.triggered']);

    const ping = JSON.stringify({ event: { id: 'p1', event_type: 'pagey.ping', resource_type: 'pagey', occurred_at: new Date().toISOString(), agent: null, client: null, data: { message: 'Hello from your friend Pagey!', type: 'ping' } } });
    expect((await webhook(ping, pagerDutySignature(SECRET, ping))).json()).toMatchObject({ event: 'pagey.ping', ignored: expect.any(String) });
    const stranger = v3('incident.acknowledged', 'not-an-opsbook-key');
    expect((await webhook(stranger, pagerDutySignature(SECRET, stranger))).json()).toMatchObject({ ignored: 'no opsbook incident not-an-opsbook-key' });
    const junk = '{"hello":1}';
    expect((await webhook(junk, pagerDutySignature(SECRET, junk))).statusCode).toBe(400);
  });
});
