/**
 * No stale pages: an incident resolved while its page keeps failing against a loopback receiver
 * stops that page at once — no further attempt, the delivery log and the timeline say `cancelled` —
 * while the resolved status update still goes out. The page's retries are one timeline line with a
 * count; the delivery log keeps every attempt. All on a simulated clock.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;
const hits: Array<{ type: string; id: string }> = [];
let receiver: http.Server;
let server: DaemonApp;
let daemon: Daemon;
let clock: SimulatedClock;
let token: string;

beforeAll(async () => {
  // A receiver that is down for everything: each attempt answers 503.
  receiver = http.createServer((q, s) => {
    let raw = '';
    q.on('data', (c: Buffer) => (raw += c.toString()));
    q.on('end', () => {
      hits.push({ type: (JSON.parse(raw) as { type: string }).type, id: String(q.headers['webhook-id']) });
      s.writeHead(503).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const config = `users:
  - { name: ana, role: responder }
services:
  - { id: api }
channels:
  - id: hook
    kind: webhook
    url: http://127.0.0.1:${(receiver.address() as AddressInfo).port}/page
    secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
    retry: { initial: 1m, max_interval: 1m, max_age: 1d }
escalation_policies:
  - id: default
    steps:
      - targets: [{ channel: hook }]
        timeout: 1h
`;
  clock = new SimulatedClock(Math.floor(Date.now() / MINUTE) * MINUTE);
  server = await startDaemonApp('stale-pages', { 'ops.yaml': config }, { clock });
  ({ daemon } = server);
  token = (await apiTokens(daemon, 'ana', ['ana'])).ana!;
});
afterAll(async () => {
  await server?.close();
  receiver?.close();
});

async function call<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { payload: body as object } : {}) });
  expect(res.statusCode, res.body).toBeLessThan(300);
  return res.json() as T;
}

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await probe())) {
    if (Date.now() - t0 > scaled(timeoutMs)) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Simulated minutes pass one at a time; each due attempt finishes before the next minute. */
async function minutes(n: number): Promise<void> {
  const outbox = daemon.operations!.outbox;
  for (let i = 0; i < n; i++) {
    await clock.advance(MINUTE, () => outbox.idle());
    await outbox.idle();
  }
}

const pages = () => hits.filter((h) => h.type === 'incident.triggered');

describe('a page for a resolved incident', () => {
  it('is cancelled at once; the resolved update still goes out; retries are one timeline line', async () => {
    const incident = await call<{ id: string }>('POST', '/api/incidents', { title: 'Checkout failing', severity: 'P1', service: 'api' });
    await until('the first page attempt', () => pages().length >= 1);
    await minutes(4);
    await until('a few retries of the page', () => pages().length >= 3);
    const pageId = pages()[0]!.id;
    expect(new Set(pages().map((p) => p.id))).toEqual(new Set([pageId])); // one delivery, retried

    await call('POST', `/api/incidents/${incident.id}/resolve`, { note: 'fixed' });
    await daemon.operations!.outbox.idle();
    const pagesAtResolve = pages().length;
    await until('the resolved update', () => hits.some((h) => h.type === 'incident.resolved'));
    await minutes(10);
    expect(pages().length).toBe(pagesAtResolve);

    const { deliveries } = await call<{ deliveries: Array<{ outbox_id: string; attempt: number; outcome: string }> }>('GET', `/api/incidents/${incident.id}/deliveries`);
    const page = deliveries.filter((d) => d.outbox_id === pageId);
    expect(page.map((d) => d.outcome).slice(0, -1).every((o) => o === 'retry')).toBe(true);
    expect(page.filter((d) => d.outcome === 'retry').length).toBe(pagesAtResolve);
    expect(page.at(-1)!.outcome).toBe('cancelled');

    const { timeline } = await call<{ timeline: Array<{ kind: string; text: string; data: Record<string, unknown> }> }>('GET', `/api/incidents/${incident.id}/timeline`);
    const pageLines = timeline.filter((t) => t.kind === 'delivery' && t.data.outbox_id === pageId);
    expect(pageLines).toHaveLength(1);
    expect(pageLines[0]!.text).toContain('cancelled');
    expect(pageLines[0]!.text).toContain(`${pagesAtResolve} attempts`);
    expect(timeline.filter((t) => t.text === 'resolved update sent to channel hook')).toHaveLength(1);
  });
});

describe('a page called off before its first attempt', () => {
  let quiet: DaemonApp;
  beforeAll(async () => {
    const config = `users:
  - { name: ana, role: responder }
services:
  - { id: api }
channels:
  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/page", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
  - { id: later, kind: webhook, url: "http://127.0.0.1:9/later", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
escalation_policies:
  - id: default
    steps:
      - targets: [{ channel: hook }]
        timeout: 1h
      - targets: [{ channel: later }]
        timeout: 1h
`;
    quiet = await startDaemonApp('stale-pages-unsent', { 'ops.yaml': config }, { clock: new SimulatedClock(Math.floor(Date.now() / MINUTE) * MINUTE) });
    // Nothing is sent: every page stays where the outbox put it until it is called off.
    await quiet.daemon.operations!.outbox.stop();
  });
  afterAll(async () => quiet?.close());

  const rows = async (incidentId: string) =>
    (await quiet.daemon.store.db.selectFrom('outbox').select(['channel_id', 'event', 'status', 'attempts']).where('incident_id', '=', incidentId).orderBy('created_at').execute()).map((r) => `${r.channel_id} ${r.event} ${r.status} ${r.attempts}`);

  it('sends no "acknowledged" or "resolved" to the channel it never reached; a channel never paged still hears it', async () => {
    const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };
    const ops = quiet.daemon.operations!;
    const incident = await ops.createIncident({ title: 'Checkout failing', severity: 'P1', service: 'api' }, ana);
    expect(await rows(incident.id)).toEqual(['hook incident.triggered pending 0']);
    await ops.act(incident.id, 'acknowledge', ana, 'looking');
    await ops.act(incident.id, 'resolve', ana, 'fixed');
    // The page never left: no status update follows it there. The later step's channel was never
    // paged, and hears the updates as the policy says every channel of it does.
    expect(await rows(incident.id)).toEqual(['hook incident.triggered cancelled 0', 'later incident.acknowledged pending 0', 'later incident.resolved pending 0']);
  });
});
