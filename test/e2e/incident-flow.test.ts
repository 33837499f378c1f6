/**
 * The incident workflow end to end on loopback, on a simulated clock: a failing HTTP check → the
 * alert fires after its `for` → a P1 incident → a signed webhook reaches a real receiver that
 * verifies it with the standardwebhooks library → nobody acknowledges for the first step's 15
 * minutes → step 2 is paged → acknowledging through the link stops the escalation → resolve; and
 * every event is on the timeline.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import type { Daemon } from '../../src/daemon/index.js';
import { apiTokens, listenOnLoopback, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { freePort } from '../support/net.js';
import { scaled } from '../support/timing.js';

interface Received {
  path: string;
  id: string;
  body: { type: string; data: { incident?: { id: string; severity: string; title: string }; links?: { acknowledge?: string; resolve?: string } } };
  at: number;
}

const MINUTE = 60_000;
const secret = `whsec_${randomBytes(24).toString('base64')}`;

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() - t0 > scaled(timeoutMs)) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('incident workflow end to end', () => {
  let server: DaemonApp;
  let clock: SimulatedClock;
  let daemon: Daemon;
  let api: http.Server;
  let receiver: http.Server;
  let apiHealthy = true;
  const received: Received[] = [];
  const rejected: string[] = [];
  let token: string;
  let base: string;

  beforeAll(async () => {
    api = http.createServer((_q, s) => {
      s.writeHead(apiHealthy ? 200 : 500, { 'content-type': 'application/json' });
      s.end(JSON.stringify({ status: apiHealthy ? 'healthy' : 'error' }));
    });
    await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
    const wh = new Webhook(secret);
    receiver = http.createServer((q, s) => {
      let raw = '';
      q.on('data', (c: Buffer) => (raw += c.toString()));
      q.on('end', () => {
        const headers = { 'webhook-id': String(q.headers['webhook-id']), 'webhook-timestamp': String(q.headers['webhook-timestamp']), 'webhook-signature': String(q.headers['webhook-signature']) };
        // The sender signs with the simulated clock's time; the receiver shares that notion of now.
        const realNow = Date.now;
        Date.now = () => clock.now();
        try {
          const body = wh.verify(raw, headers) as Received['body'];
          received.push({ path: q.url ?? '', id: headers['webhook-id'], body, at: clock.now() });
          s.writeHead(204).end();
        } catch (e) {
          rejected.push((e as Error).message);
          s.writeHead(400).end();
        } finally {
          Date.now = realNow;
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const rport = (receiver.address() as AddressInfo).port;
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = `server:
  port: ${port}
  public_url: ${base}
users:
  - name: ana
    role: responder
services:
  - id: api
    name: API
checks:
  - id: api-health
    kind: http
    service: api
    url: http://127.0.0.1:${(api.address() as AddressInfo).port}/health
    interval: 30s
    failure_threshold: 1
    conditions: ["[STATUS] == 200"]
rules:
  - id: api-down
    check: api-health
    for: 2m
    annotations:
      summary: API health check failing
channels:
  - id: oncall-hook
    kind: webhook
    url: http://127.0.0.1:${rport}/oncall
    secrets: ["${secret}"]
  - id: lead-hook
    kind: webhook
    url: http://127.0.0.1:${rport}/lead
    secrets: ["${secret}"]
escalation_policies:
  - id: default
    steps:
      - targets: [{ channel: oncall-hook }]
        timeout: 15m
      - targets: [{ channel: lead-hook }]
        timeout: 1h
`;
    clock = new SimulatedClock(Math.floor(Date.now() / MINUTE) * MINUTE);
    server = await startDaemonApp('e2e', { 'ops.yaml': config }, { clock });
    ({ daemon } = server);
    // The config's public_url names this port: the links in the pages point at it.
    await listenOnLoopback(server.app, port);
    token = (await apiTokens(daemon, 'ana', ['ana'])).ana!;
  });

  afterAll(async () => {
    await server?.close();
    api?.close();
    receiver?.close();
  });

  /**
   * Moves simulated time in check-interval steps, letting each real probe and delivery land: after
   * every timer, probes in flight finish (real time) before simulated time passes their timeout, and
   * after every step the pages sent meanwhile have been answered and recorded before the next.
   */
  async function advance(ms: number): Promise<void> {
    const stepMs = 30_000;
    const ops = daemon.operations!;
    const settle = (): Promise<void> => ops.settle(scaled(2_000));
    for (let done = 0; done < ms; done += stepMs) {
      await clock.advance(Math.min(stepMs, ms - done), settle);
      await ops.outbox.idle();
      await ops.idle();
    }
  }

  const incidents = async () => (await (await fetch(`${base}/api/incidents`, { headers: { authorization: `Bearer ${token}` } })).json()) as { incidents: Array<{ id: string; severity: string; state: string; openedAt: number }> };

  it('pages, escalates after 15 minutes, stops on the link, resolves — all on the timeline', async () => {
    await advance(2 * MINUTE); // healthy for a while: nothing happens
    expect((await incidents()).incidents).toEqual([]);

    apiHealthy = false;
    const failingSince = clock.now();
    await advance(90_000);
    expect((await incidents()).incidents).toEqual([]); // `for: 2m` has not passed
    await advance(2 * MINUTE);
    const opened = await until('an incident', async () => (await incidents()).incidents[0]);
    expect(opened.severity).toBe('P1');
    expect(opened.openedAt - failingSince).toBeGreaterThanOrEqual(2 * MINUTE);
    expect(opened.openedAt - failingSince).toBeLessThanOrEqual(3 * MINUTE);

    const first = await until('the first page', () => received.find((r) => r.path === '/oncall'));
    expect(first.body.type).toBe('incident.triggered');
    expect(first.body.data.incident?.id).toBe(opened.id);
    expect(first.body.data.links?.acknowledge).toMatch(new RegExp(`^${base}/a/`));
    expect(received.filter((r) => r.path === '/lead').map((r) => [r.body.type, (r.at - opened.openedAt) / MINUTE])).toEqual([]);

    await advance(opened.openedAt + 14 * MINUTE - clock.now());
    expect(received.filter((r) => r.path === '/lead').map((r) => [r.body.type, (r.at - opened.openedAt) / MINUTE])).toEqual([]);
    await advance(opened.openedAt + 15 * MINUTE + 30_000 - clock.now());
    const second = await until('the second step', () => received.find((r) => r.path === '/lead'));
    expect(second.body.type).toBe('incident.escalated');
    expect(second.at - opened.openedAt).toBeGreaterThanOrEqual(15 * MINUTE);
    expect(second.at - opened.openedAt).toBeLessThan(16 * MINUTE);

    const ack = await fetch(first.body.data.links!.acknowledge!, { method: 'POST' });
    expect(ack.status).toBe(200);
    expect(((await ack.json()) as { state: string }).state).toBe('acknowledged');
    const pagesAfterAck = received.filter((r) => r.body.type !== 'incident.acknowledged').length;
    await advance(2 * 60 * MINUTE);
    expect(received.filter((r) => r.body.type !== 'incident.acknowledged')).toHaveLength(pagesAfterAck);

    apiHealthy = true;
    const resolved = await fetch(`${base}/api/incidents/${opened.id}/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'restarted the API' }),
    });
    expect(resolved.status).toBe(200);
    expect(((await resolved.json()) as { state: string }).state).toBe('resolved');

    const timeline = (await (await fetch(`${base}/api/incidents/${opened.id}/timeline`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      timeline: Array<{ kind: string; text: string; actor: string }>;
    };
    const kinds = new Set(timeline.timeline.map((t) => t.kind));
    for (const kind of ['alert', 'status', 'notification', 'delivery']) expect(kinds, kind).toContain(kind);
    const statusTexts = timeline.timeline.filter((t) => t.kind === 'status').map((t) => t.text).join(' | ');
    expect(statusTexts).toMatch(/acknowledged/);
    expect(statusTexts).toMatch(/resolved/);
    expect(timeline.timeline.some((t) => t.kind === 'notification' && /step 2/.test(t.text))).toBe(true);
    expect(rejected).toEqual([]);
  });
});
