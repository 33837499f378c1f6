/**
 * A storm of unique alerts: ingest admits a bounded backlog and answers 429 with Retry-After past
 * it, while an acknowledgement and /_health/* are answered before the backlog drains; the storm
 * groups into a handful of incidents, each paged once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { apiTokens, listenOnLoopback, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

let server: DaemonApp;
let daemon: Daemon;
let base: string;
let receiver: Receiver;
let tokens: Record<string, string>;
const KEY = 'storm-key-0123456789abcdef01234';

beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 200 }));
  server = await startDaemonApp('storm', {
    'ops.yaml': `server:\n  ingest_queue: 50\nusers:\n  - name: boss\n    role: admin\n  - name: ron\n    role: responder\nchannels:\n  - id: hook\n    kind: webhook\n    url: ${receiver.url}\n    secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw]\nintegrations:\n  - id: prom\n    kind: alertmanager\n    key: ${KEY}\n`,
  });
  daemon = server.daemon;
  base = await listenOnLoopback(server.app);
  tokens = await apiTokens(daemon, 'boss', ['ron']);
});
afterAll(async () => {
  await server?.close();
  await receiver?.close();
});

function alert(i: number, name = 'NodeDown') {
  return JSON.stringify({ version: '4', groupKey: `g${i}`, status: 'firing', receiver: 'opsbook', alerts: [{ status: 'firing', labels: { alertname: name, instance: `node-${i}:9100` }, startsAt: new Date().toISOString() }] });
}
const ingest = (body: string) => fetch(`${base}/api/ingest/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` }, body });

describe('load shedding', () => {
  it('answers 429 with Retry-After past the bound, keeps acknowledgements and health answering, and groups the storm', async () => {
    const first = (await (await ingest(alert(-1, 'DiskFull'))).json()) as { incidents: string[] };
    const target = first.incidents[0]!;
    const ops = daemon.operations!;

    const storm = Array.from({ length: 400 }, (_, i) => ingest(alert(i)).then(async (r) => ({ status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() })));
    await expect.poll(() => ops.ingestBacklog, { timeout: 30_000, interval: 5 }).toBeGreaterThan(10);
    const ack = await fetch(`${base}/api/incidents/${target}/acknowledge`, { method: 'POST', headers: { authorization: `Bearer ${tokens.ron}`, 'content-type': 'application/json' }, body: '{}' });
    const backlogAfterAck = ops.ingestBacklog;
    const live = await fetch(`${base}/_health/live`);
    const ready = await fetch(`${base}/_health/ready`);
    expect(ack.status, await ack.text()).toBe(200);
    expect(live.status).toBe(200);
    expect(ready.status).toBe(200);
    // Answered ahead of the queued alerts, not after them.
    expect(backlogAfterAck).toBeGreaterThan(0);

    const results = await Promise.all(storm);
    const shed = results.filter((r) => r.status === 429);
    const ok = results.filter((r) => r.status === 200);
    console.log(`storm of 400: ${ok.length} accepted, ${shed.length} answered 429; backlog after the ack ${backlogAfterAck}`);
    expect(ok.length + shed.length).toBe(400);
    expect(shed.length).toBeGreaterThan(0);
    for (const r of shed) {
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'OPSBOOK_E_INGEST_OVERLOADED' } });
    }
    await ops.idle();
    const stormIncidents = new Set(ok.flatMap((r) => (JSON.parse(r.body) as { incidents: string[] }).incidents));
    expect(stormIncidents.size).toBeGreaterThan(0);
    expect(stormIncidents.size).toBeLessThanOrEqual(10);
    // One page per group: one triggered notification per incident on the one channel.
    const triggered = await daemon.store.db.selectFrom('outbox').select(['incident_id']).where('event', '=', 'incident.triggered').execute();
    for (const id of stormIncidents) expect(triggered.filter((t) => t.incident_id === id)).toHaveLength(1);
  }, 180_000);
});
