/**
 * Pages across a kill of opsbook on SQLite (SIGKILL: no handler, no clean-up), and a downtime that
 * something falls due in. A real daemon in a child process (test/torture/daemon-child.ts, on a simulated
 * clock the test moves), a real SQLite file, a loopback receiver behind two webhook channels (the first
 * and the second step of a policy with 10-minute steps), alerts ingested over the daemon's HTTP API.
 *
 * - a maintenance window that ends while opsbook is down: the page it held goes out once, at the
 *   restart, and the second step pages 10 minutes after that;
 * - a silence created at runtime that ends while opsbook is down: the same;
 * - an acknowledgement through a page's signed link just before the kill: the incident stays
 *   acknowledged, the second step never pages, the "acknowledged" update is sent once per channel.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { runCli } from '../support/cli.js';
import { startKillableDaemon, type KillableDaemon } from '../support/killable-daemon.js';
import { scaled } from '../support/timing.js';

const KEY = 'k'.repeat(40);
const MINUTE = 60_000;
/** Monday 2 March 2026, 00:00 UTC. */
const T0 = Date.parse('2026-03-02T00:00:00Z');
const at = (minute: number) => T0 + minute * MINUTE;

interface Page {
  channel: string;
  type: string;
  incident: string;
  id: string;
  links?: { acknowledge?: string };
}

describe('pages across a kill of opsbook on SQLite', () => {
  let dir = '';
  let receiver: Receiver;
  let config = '';
  let token = '';
  const running: KillableDaemon[] = [];

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 204 }));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-paging-down-'));
    config = path.join(dir, 'ops.yaml');
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    fs.writeFileSync(
      config,
      `storage:
  url: "${path.join(dir, 'opsbook.db')}"
users:
  - { name: ana, role: responder }
services:
  - { id: api }
  - { id: batch }
  - { id: search }
integrations:
  - { id: prom, kind: alertmanager, key: ${KEY} }
channels:
  - { id: first, kind: webhook, url: "${receiver.url}/first", secrets: ["${secret}"] }
  - { id: second, kind: webhook, url: "${receiver.url}/second", secrets: ["${secret}"] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: first }], timeout: 10m }
      - { targets: [{ channel: second }], timeout: 10m }
maintenance:
  - { id: batch-upgrade, start: "2026-03-02T01:00", end: "2026-03-02T01:30", services: [batch] }
`,
    );
    const created = await runCli(['token', 'create', '--user', 'ana', '--name', 'test', '--config', config]);
    expect(created.code, created.stderr).toBe(0);
    token = created.stdout.trim();
  }, scaled(60_000));

  afterEach(async () => {
    for (const d of running.splice(0)) await d.kill();
  }, scaled(60_000));

  afterAll(async () => {
    await receiver?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, scaled(60_000));

  const start = async (when: number) => {
    const d = await startKillableDaemon(config, when);
    running.push(d);
    return d;
  };
  const kill = async (d: KillableDaemon) => {
    running.splice(running.indexOf(d), 1);
    await d.kill();
  };
  const pages = (): Page[] =>
    receiver.requests.map((r) => {
      const body = JSON.parse(r.body) as { type: string; data: { id: string; channel: string; incident: { id: string }; links?: { acknowledge?: string } } };
      return { channel: body.data.channel, type: body.type, incident: body.data.incident.id, id: body.data.id, ...(body.data.links ? { links: body.data.links } : {}) };
    });
  /** The pages of `incident` as a receiver deduplicating on the webhook id sees them. */
  const pagesOf = (incident: string) =>
    pages()
      .filter((p, i, all) => p.incident === incident && all.findIndex((q) => q.id === p.id) === i)
      .map((p) => `${p.channel} ${p.type}`);
  /** Fires an alert for `service` through the Alertmanager webhook; answers the incident it opened. */
  const fire = async (d: KillableDaemon, name: string, service: string, when: number): Promise<string> => {
    const r = await fetch(`${d.api}/api/ingest/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify({ version: '4', groupKey: name, receiver: 'opsbook', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: name, severity: 'critical', service }, annotations: {}, startsAt: new Date(when).toISOString(), fingerprint: name }] }),
    });
    const json = (await r.json()) as { incidents: string[] };
    expect(r.status, JSON.stringify(json)).toBe(200);
    expect(json.incidents).toHaveLength(1);
    return json.incidents[0]!;
  };
  /** Waits until the pages of `incident` are `expected` (the outbox delivers in real time, after the clock moved). */
  const paged = (incident: string, expected: string[]) => expect.poll(() => pagesOf(incident), { timeout: scaled(30_000), interval: 50 }).toEqual(expected);
  const api = async (d: KillableDaemon, method: string, url: string, body?: unknown) => {
    const r = await fetch(`${d.api}${url}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  };

  it('sends the page a maintenance window held once the window has ended while opsbook was down, then escalates on time', async () => {
    const first = await start(at(60));
    await first.advanceTo(at(65));
    const incident = await fire(first, 'BatchFailing', 'batch', at(65));
    await first.advanceTo(at(70));
    expect(pagesOf(incident)).toEqual([]);
    await kill(first);

    // Down from 01:10 to 01:45; the window ended at 01:30.
    const second = await start(at(105));
    await second.advanceTo(at(106));
    await paged(incident, ['first incident.triggered']);
    await second.advanceTo(at(114));
    expect(pagesOf(incident)).toEqual(['first incident.triggered']);
    await second.advanceTo(at(116));
    await paged(incident, ['first incident.triggered', 'second incident.escalated']);
  }, scaled(180_000));

  it('sends the page a silence held once the silence has ended while opsbook was down, then escalates on time', async () => {
    const first = await start(at(200));
    const silence = await api(first, 'POST', '/api/silences', { matchers: [{ label: 'service', op: '=', value: 'search' }], ends_at: at(230), comment: 'reindexing' });
    expect(silence.status, JSON.stringify(silence.json)).toBe(201);
    await first.advanceTo(at(205));
    const incident = await fire(first, 'SearchRed', 'search', at(205));
    await first.advanceTo(at(210));
    expect(pagesOf(incident)).toEqual([]);
    await kill(first);

    // Down from 03:30 to 04:00; the silence ended at 03:50.
    const second = await start(at(240));
    await second.advanceTo(at(241));
    await paged(incident, ['first incident.triggered']);
    await second.advanceTo(at(249));
    expect(pagesOf(incident)).toEqual(['first incident.triggered']);
    await second.advanceTo(at(251));
    await paged(incident, ['first incident.triggered', 'second incident.escalated']);
  }, scaled(180_000));

  it('keeps an acknowledgement made through a page link just before the kill: no next step, one "acknowledged" update per channel', async () => {
    const first = await start(at(300));
    const incident = await fire(first, 'ApiDown', 'api', at(300));
    await first.advanceTo(at(301));
    await paged(incident, ['first incident.triggered']);
    const link = pages().find((p) => p.incident === incident)!.links!.acknowledge!;
    const acked = await fetch(`${first.api}/a/${link.split('/a/')[1]}`, { method: 'POST', headers: { accept: 'application/json' } });
    expect(acked.status).toBe(200);
    expect(await acked.json()).toMatchObject({ incident, state: 'acknowledged', already: false });
    await kill(first);

    // Started again after the second step would have paged (05:10).
    const second = await start(at(315));
    await second.advanceTo(at(330));
    // "acknowledged" goes to every channel of the policy that was not called off (docs/incidents.md); nothing escalated.
    await expect.poll(() => pagesOf(incident).sort(), { timeout: scaled(30_000), interval: 50 }).toEqual(['first incident.acknowledged', 'first incident.triggered', 'second incident.acknowledged']);
    const got = await api(second, 'GET', `/api/incidents/${incident}`);
    expect(got.json).toMatchObject({ state: 'acknowledged' });
    // The update was sent once, under one id, however many times the daemon started.
    const updates = pages().filter((p) => p.incident === incident && p.type === 'incident.acknowledged');
    expect(new Set(updates.map((u) => `${u.channel} ${u.id}`)).size).toBe(2);
    expect(new Set(updates.map((u) => u.id)).size).toBe(2);
  }, scaled(180_000));
});
