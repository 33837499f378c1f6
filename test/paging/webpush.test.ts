/**
 * Web Push for a person signed in to the UI: their browser's subscription is saved through the
 * API, an escalation step pages them, and a receiver that verifies the VAPID JWT and decrypts the
 * aes128gcm payload with the subscription's private key reads the page and its signed links. The
 * UI serves the service worker that shows it.
 */
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushSubscriptionsOf } from '../../src/store/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { startPushReceiver, type PushReceiver } from './webpush-receiver.js';
import { scaled } from '../support/timing.js';

const PUBLIC = 'http://opsbook.test:8080';

describe('Web Push with VAPID', () => {
  let server: DaemonApp;
  let receiver: PushReceiver;
  const vapid = webpush.generateVAPIDKeys();

  beforeAll(async () => {
    receiver = await startPushReceiver();
    server = await startDaemonApp('webpush', {
      'ops.yaml': `server:
  public_url: ${PUBLIC}
users:
  - name: ann
    role: responder
    contact: [{ kind: webpush }]
channels:
  - id: browser
    kind: webpush
    vapid: { subject: "mailto:ops@example.com", public_key: "${vapid.publicKey}", private_key: "${vapid.privateKey}" }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ user: ann }], timeout: 15m }
`,
    });
  });
  afterAll(async () => {
    await server?.close();
    await receiver?.close();
  });

  it('saves the subscription, pushes an encrypted page with VAPID, and serves the service worker', async () => {
    const token = (await apiTokens(server.daemon, 'ann', ['ann'])).ann!;
    const auth = { authorization: `Bearer ${token}` };
    const key = await server.app.inject({ method: 'GET', url: '/api/push/key', headers: auth });
    expect(key.json()).toEqual({ publicKey: vapid.publicKey });
    const bad = await server.app.inject({ method: 'POST', url: '/api/push/subscriptions', headers: auth, payload: { endpoint: 'not a url', keys: { p256dh: 'x', auth: 'y' } } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.path).toMatch(/^body\.endpoint|^endpoint/);
    const saved = await server.app.inject({ method: 'POST', url: '/api/push/subscriptions', headers: auth, payload: receiver.subscription });
    expect(saved.statusCode).toBe(201);
    const goneEndpoint = `${receiver.origin}/push/gone`;
    await server.app.inject({ method: 'POST', url: '/api/push/subscriptions', headers: auth, payload: { ...receiver.subscription, endpoint: goneEndpoint } });

    const ops = server.daemon.operations!;
    const incident = await ops.createIncident({ title: 'Disk full on db-1', severity: 'P2' }, { name: 'ann', role: 'responder', via: 'token' });
    const t0 = Date.now();
    while (receiver.delivered.length === 0 && receiver.refused.length === 0 && Date.now() - t0 < scaled(15_000)) await new Promise((r) => setTimeout(r, 25));
    expect(receiver.refused).toEqual([]);
    expect(receiver.delivered).toHaveLength(1);
    const push = receiver.delivered[0]!;
    expect(push.path).toBe('/push/sub-1');
    expect(push.vapidKey).toBe(vapid.publicKey);
    expect(push.jwt).toMatchObject({ aud: receiver.origin, sub: 'mailto:ops@example.com' });
    const payload = push.payload as { title: string; url: string; tag: string; actions: Array<{ action: string; url: string }> };
    expect(payload.title).toBe('[P2] Triggered: Disk full on db-1');
    expect(payload.url).toBe(`${PUBLIC}/incidents/${incident.id}`);
    expect(payload.tag).toBe(incident.id);
    expect(payload.actions.map((a) => a.action)).toEqual(['acknowledge', 'resolve']);
    expect(payload.actions[0]!.url).toMatch(new RegExp(`^${PUBLIC}/a/`));

    // The unsubscribed browser's 410 removes its subscription and does not count against the channel.
    while (receiver.gone.length === 0 && Date.now() - t0 < scaled(15_000)) await new Promise((r) => setTimeout(r, 25));
    expect(receiver.gone).toEqual(['/push/gone']);
    let left: string[] = [];
    for (const t1 = Date.now(); Date.now() - t1 < scaled(15_000); await new Promise((r) => setTimeout(r, 25))) {
      left = (await pushSubscriptionsOf(server.daemon.store.db, 'ann')).map((r) => r.endpoint);
      if (left.length === 1) break;
    }
    expect(left).toEqual([receiver.subscription.endpoint]);
    expect(server.daemon.operations!.pagingWatch.isFailing('browser')).toBe(false);

    const sw = await server.app.inject({ method: 'GET', url: '/ui/static/sw.js' });
    expect(sw.statusCode).toBe(200);
    expect(sw.headers['content-type']).toMatch(/javascript/);
    expect(sw.body).toContain("addEventListener('push'");
  });
});
