/**
 * Action links on a real daemon (`app.inject`): a link acts on the opening of the incident it was
 * sent for — a resolve link already used does not resolve the incident once it re-opens, and says
 * so — and a signed link naming someone who is not in `users:` (or may not respond) is refused.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { ActionLinkSigner, loadActionKey } from '../../src/notify/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const KEY = 'k'.repeat(40);
const CONFIG = `users:
  - { name: ana, role: responder }
  - { name: vic, role: viewer }
integrations:
  - { id: prom, kind: alertmanager, key: ${KEY} }
`;

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;
let signer: ActionLinkSigner;

beforeAll(async () => {
  server = await startDaemonApp('action-epoch', { 'ops.yaml': CONFIG });
  ({ daemon, app } = server);
  signer = new ActionLinkSigner(await loadActionKey(daemon.store.db, daemon.clock), 'http://opsbook.test');
});
afterAll(async () => {
  await server?.close();
});

async function alert(status: 'firing' | 'resolved', name: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/ingest/alertmanager',
    headers: { authorization: `Bearer ${KEY}` },
    payload: { version: '4', groupKey: name, receiver: 'opsbook', status, alerts: [{ status, labels: { alertname: name, severity: 'critical' }, annotations: {}, startsAt: new Date(daemon.clock.now()).toISOString(), fingerprint: name }] },
  });
  expect(res.statusCode).toBe(200);
  return (res.json() as { incidents: string[] }).incidents[0]!;
}

const incident = async (id: string) => (await daemon.operations!.incidents.get(id));

/** The links a page for the incident as it is now would carry. */
async function linksNow(id: string, user = 'ana') {
  const i = await incident(id);
  const links = signer.linksFor({ channelId: 'c', event: 'incident.triggered', incident: { id, title: i.title, severity: i.severity, status: i.state, url: '' }, recipient: { user, address: 'x' }, incidentEpoch: i.reopened }, daemon.clock.now());
  return { acknowledge: links.acknowledge!.split('/a/')[1]!, resolve: links.resolve!.split('/a/')[1]! };
}

const post = (token: string) => app.inject({ method: 'POST', url: `/a/${token}`, headers: { accept: 'application/json' } });

describe('action links', () => {
  it('a used resolve link does not resolve the incident after it re-opens', async () => {
    const id = await alert('firing', 'DiskFull');
    const links = await linksNow(id);
    const first = await post(links.resolve);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ state: 'resolved', already: false });
    expect((await post(links.resolve)).json()).toMatchObject({ state: 'resolved', already: true });
    expect(await alert('firing', 'DiskFull')).toBe(id); // re-opened within reopen_within
    expect((await incident(id)).state).toBe('triggered');
    const again = await post(links.resolve);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: { code: 'OPSBOOK_E_ACTION_LINK_STALE' } });
    expect((await incident(id)).state).toBe('triggered');
    // A link sent for the new opening works.
    expect((await post((await linksNow(id)).acknowledge)).json()).toMatchObject({ state: 'acknowledged', already: false });
  });

  it('a signed link naming a user not in users:, or a viewer, is refused', async () => {
    const id = await alert('firing', 'CpuHigh');
    for (const user of ['mallory', 'vic']) {
      const res = await post((await linksNow(id, user)).acknowledge);
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
      expect(res.json()).toMatchObject({ error: { code: expect.stringMatching(/^OPSBOOK_E_(ACTION_LINK|FORBIDDEN)$/) } });
    }
    expect((await incident(id)).state).toBe('triggered');
  });
});

describe('the page a link leads to on a phone', () => {
  const open = (token: string) => app.inject({ method: 'POST', url: `/a/${token}`, headers: { accept: 'text/html' } });

  it('says what happened, or that nothing did, and links to the incident', async () => {
    const id = await alert('firing', 'QueueStuck');
    const links = await linksNow(id);
    const first = await open(links.acknowledge);
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('The incident is now <strong>acknowledged</strong>.');
    expect(first.body).toContain(`<a href="/incidents/${id}">Open the incident</a>`);
    const again = await open(links.acknowledge);
    expect(again.body).toContain('The incident was already <strong>acknowledged</strong>: nothing changed.');
    expect(again.body).toContain(`<a href="/incidents/${id}">Open the incident</a>`);
  });
});
