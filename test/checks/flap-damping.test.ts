/**
 * Flap damping by default: checks that set neither failure_threshold nor success_threshold, against a
 * real loopback server, on a simulated clock. A target that is down with a single good run now and
 * then opens one incident and pages once (no open → resolve → re-open → page again); a target that
 * alternates up and down each run opens at most one; a target that stays down still opens one after
 * the failure threshold.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSchema } from '../../src/config/schema/checks.js';
import type { Daemon } from '../../src/daemon/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { scaled } from '../support/timing.js';

const INTERVAL = 30_000;
const RUNS = 24;
/** Whether the n-th request (from 0) to each path answers 200. */
const PATTERNS: Record<string, (n: number) => boolean> = {
  // Down, with one good answer after every three bad ones.
  'mostly-down': (n) => n % 4 === 3,
  // Up, down, up, down …
  alternating: (n) => n % 2 === 0,
  'always-down': () => false,
};

describe('flap damping by default', () => {
  let server: DaemonApp;
  let daemon: Daemon;
  let target: http.Server;
  let receiver: StatusServer;
  let clock: SimulatedClock;
  const counts = new Map<string, number>();
  const firstDown = new Map<string, number>();

  beforeAll(async () => {
    target = http.createServer((q, s) => {
      const name = (q.url ?? '/').slice(1);
      const n = counts.get(name) ?? 0;
      counts.set(name, n + 1);
      const up = PATTERNS[name]?.(n) ?? true;
      if (!up && !firstDown.has(name)) firstDown.set(name, clock.now());
      s.writeHead(up ? 200 : 500).end();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    receiver = await startStatusServer(204);
    const base = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    const hook = `${receiver.url}/hook`;
    const names = Object.keys(PATTERNS);
    const config = `services:
${names.map((n) => `  - { id: ${n} }`).join('\n')}
checks:
${names.map((n) => `  - { id: ${n}, kind: http, service: ${n}, url: "${base}/${n}", interval: 30s, conditions: ["[STATUS] == 200"] }`).join('\n')}
channels:
  - { id: hook, kind: webhook, url: ${hook}, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: hook }], timeout: 1h }
`;
    clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
    server = await startDaemonApp('flap', { 'ops.yaml': config }, { clock });
    ({ daemon } = server);
    const settle = (): Promise<void> => daemon.operations!.settle(scaled(5_000));
    for (let i = 0; i < RUNS; i++) {
      await clock.advance(INTERVAL, settle);
      await settle();
    }
  }, scaled(120_000));
  afterAll(async () => {
    await server?.close();
    await new Promise<void>((r) => target.close(() => r()));
    await receiver.close();
  });

  const incidentsOf = (service: string) => daemon.store.db.selectFrom('incidents').select(['id', 'opened_at', 'reopened', 'state']).where('service', '=', service).execute();
  const pagesOf = async (service: string) => {
    const ids = (await incidentsOf(service)).map((i) => i.id);
    if (ids.length === 0) return [];
    return daemon.store.db.selectFrom('outbox').select(['event']).where('incident_id', 'in', ids).where('event', 'in', ['incident.triggered', 'incident.reopened', 'incident.escalated']).execute();
  };

  it('defaults: three bad runs to raise the level, two good runs to recover', () => {
    const check = checkSchema.parse({ id: 'c', kind: 'http', url: 'http://127.0.0.1:1/' });
    expect(check).toMatchObject({ failure_threshold: 3, success_threshold: 2 });
  });

  it('a target down with a single good run now and then: one incident, never resolved and re-opened, one page', async () => {
    expect(counts.get('mostly-down')).toBeGreaterThanOrEqual(RUNS - 1);
    const incidents = await incidentsOf('mostly-down');
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ reopened: 0, state: 'triggered' });
    expect(await pagesOf('mostly-down')).toHaveLength(1);
  });

  it('a target alternating up and down each run: at most one incident, at most one page', async () => {
    expect(counts.get('alternating')).toBeGreaterThanOrEqual(RUNS - 1);
    expect((await incidentsOf('alternating')).length).toBeLessThanOrEqual(1);
    expect((await pagesOf('alternating')).length).toBeLessThanOrEqual(1);
  });

  it('a target that stays down opens an incident once the failure threshold is reached, and pages once', async () => {
    const incidents = await incidentsOf('always-down');
    expect(incidents).toHaveLength(1);
    const since = firstDown.get('always-down')!;
    expect(Number(incidents[0]!.opened_at) - since).toBe(2 * INTERVAL);
    expect(await pagesOf('always-down')).toHaveLength(1);
  });
});
