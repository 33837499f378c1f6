/**
 * What a responder relies on survives a restart of opsbook. One daemon on SQLite on a simulated
 * clock, a loopback receiver behind two webhook channels (the first and the second escalation step):
 * an escalation whose first step paged before the restart pages its second step at the configured
 * minute after it (not later, and without paging the first again); a page a maintenance window held
 * back before the restart goes out when the window ends.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

describe('a restart of opsbook', () => {
  let server: DaemonApp;
  let receiver: http.Server;
  const clock = new SimulatedClock(T0);
  /** Every notification received: its channel, event type and incident, at the simulated minute. */
  const got: Array<{ channel: string; type: string; incident: string; minute: number }> = [];

  beforeAll(async () => {
    receiver = http.createServer((q, s) => {
      let raw = '';
      q.on('data', (c: Buffer) => (raw += c.toString()));
      q.on('end', () => {
        const body = JSON.parse(raw) as { type: string; data: { incident: { id: string } } };
        got.push({ channel: q.url!.slice(1), type: body.type, incident: body.data.incident.id, minute: (clock.now() - T0) / MINUTE });
        s.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    server = await startDaemonApp(
      'restart-continuity',
      {
        'ops.yaml': `services:
  - { id: api }
  - { id: batch }
channels:
  - { id: first, kind: webhook, url: "${base}/first", secrets: ["${secret}"] }
  - { id: second, kind: webhook, url: "${base}/second", secrets: ["${secret}"] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: first }], timeout: 10m }
      - { targets: [{ channel: second }], timeout: 10m }
maintenance:
  - { id: batch-upgrade, start: "2026-03-02T01:00", end: "2026-03-02T01:30", services: [batch] }
`,
      },
      { clock },
    );
  }, scaled(60_000));

  afterAll(async () => {
    await server?.close();
    await new Promise<void>((r) => receiver?.close(() => r()));
  }, scaled(60_000));

  const ops = () => server.daemon.operations!;
  /** Moves the simulated clock a minute at a time to `minute` after T0, letting each minute's work finish. */
  const untilMinute = async (minute: number) => {
    // Deliveries in flight finish before the clock moves on (their timeouts run on it too).
    const quiet = async () => {
      await ops().settle(scaled(5_000));
      await ops().outbox.idle();
    };
    await quiet();
    while (clock.now() < T0 + minute * MINUTE) {
      await clock.advance(MINUTE, quiet);
      await quiet();
    }
  };
  const pagesOf = (incident: string) => got.filter((g) => g.incident === incident).map((g) => `${g.minute} ${g.channel} ${g.type}`);

  it('pages the second escalation step at its minute, counted from before the restart', async () => {
    const incident = await ops().createIncident({ title: 'API down', severity: 'P1', service: 'api' }, ana);
    await untilMinute(1);
    expect(pagesOf(incident.id)).toEqual(['0 first incident.triggered']);
    await untilMinute(4);
    await server.restart();
    await untilMinute(12);
    expect(pagesOf(incident.id)).toEqual(['0 first incident.triggered', '10 second incident.escalated']);
  }, scaled(120_000));

  it('sends a page a maintenance window held back when the window ends', async () => {
    await untilMinute(65);
    const incident = await ops().createIncident({ title: 'Batch failing', severity: 'P1', service: 'batch' }, ana);
    await untilMinute(70);
    expect(pagesOf(incident.id)).toEqual([]);
    await server.restart();
    await untilMinute(95);
    expect(pagesOf(incident.id)).toEqual(['90 first incident.triggered']);
  }, scaled(120_000));
});
