/**
 * A burst through the whole daemon on a simulated clock: 20 alerts ingested concurrently open 20
 * incidents under a three-step policy (`timeout: 1m`), and every step of every incident is paged
 * once, at its due time — none stalls with `escalations.next_at` in the past.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { scaled } from '../support/timing.js';

const KEY = 'k'.repeat(40);
const MINUTE = 60_000;
const COUNT = 20;

describe('escalations after a burst of incidents', () => {
  let server: DaemonApp;
  let daemon: Daemon;
  let receiver: StatusServer;
  let clock: SimulatedClock;

  beforeAll(async () => {
    receiver = await startStatusServer(204);
    const url = `${receiver.url}/hook`;
    const config = `integrations:
  - { id: prom, kind: alertmanager, key: ${KEY} }
channels:
  - { id: hook, kind: webhook, url: ${url}, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: hook }], timeout: 1m }
      - { targets: [{ channel: hook }], timeout: 1m }
      - { targets: [{ channel: hook }], timeout: 1m }
`;
    clock = new SimulatedClock(Math.floor(Date.now() / MINUTE) * MINUTE);
    server = await startDaemonApp('esc-burst', { 'ops.yaml': config }, { clock });
    ({ daemon } = server);
  });
  afterAll(async () => {
    await server?.close();
    await receiver.close();
  });

  /** Waits (bounded, real time) until no active escalation is due at the simulated now. */
  async function noneDue(): Promise<void> {
    for (let i = 0; i < 200; i++) {
      await daemon.operations!.settle(scaled(2_000));
      const due = await daemon.store.db.selectFrom('escalations').select('incident_id').where('status', '=', 'active').where('next_at', '<=', clock.now()).execute();
      if (due.length === 0) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`escalations due at ${clock.now()} never fired`);
  }

  it(`${COUNT} concurrent incidents: every step paged once, at its due time`, async () => {
    const started = clock.now();
    const answers = await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        server.app.inject({
          method: 'POST',
          url: '/api/ingest/alertmanager',
          headers: { authorization: `Bearer ${KEY}` },
          payload: { version: '4', groupKey: `g${i}`, receiver: 'opsbook', status: 'firing', alerts: [{ status: 'firing', labels: { alertname: `Burst${i}`, severity: 'critical' }, annotations: {}, startsAt: new Date(started).toISOString(), fingerprint: `f${i}` }] },
        }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(Array(COUNT).fill(200));
    const incidents = new Set(answers.flatMap((a) => (a.json() as { incidents: string[] }).incidents));
    expect(incidents.size).toBe(COUNT);
    await noneDue();
    for (let t = 0; t < 4 * MINUTE; t += 1000) {
      await clock.advance(1000);
      await noneDue();
    }
    const rows = await daemon.store.db.selectFrom('outbox').select(['dedup_key', 'created_at']).execute();
    const byKey = new Map<string, number[]>();
    for (const r of rows) {
      const m = /^(.+)\/default\/r0\/s(\d)\/channel:hook$/.exec(r.dedup_key ?? '');
      if (!m) continue;
      const key = `${m[1]}#${m[2]}`;
      byKey.set(key, [...(byKey.get(key) ?? []), Number(r.created_at)]);
    }
    for (const id of incidents) {
      for (const step of [0, 1, 2]) expect(byKey.get(`${id}#${step}`), `${id} step ${step + 1}`).toEqual([started + step * MINUTE]);
    }
    const states = await daemon.store.db.selectFrom('escalations').select('status').execute();
    expect(states.map((s) => s.status)).toEqual(Array(COUNT).fill('exhausted'));
  });
});
