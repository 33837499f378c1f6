/**
 * A check keeps what it has learned of its target across a reload that changes it (a new timeout
 * here) and across a restart of opsbook: a check already settled `down` (after `failure_threshold`
 * failed runs) with its incident open stays `down`, so the incident neither resolves at the next run
 * nor opens again — with a second page — `failure_threshold` runs later; it resolves when the target
 * recovers, after `success_threshold` good runs as before. A check the config drops forgets it. One daemon on SQLite, a simulated clock, a
 * loopback target that answers 500 until told otherwise.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { scaled } from '../support/timing.js';

const INTERVAL = 10_000;

describe('a check settled down, across a reload that changes it and a restart', () => {
  let target: StatusServer;
  let healthy = false;
  beforeAll(async () => {
    target = await startStatusServer(() => (healthy ? 200 : 500));
  });
  afterAll(async () => {
    await target?.close();
  });
  const config = (timeout: string) => `checks:
  - { id: api, kind: http, url: "${target.url}/health", interval: 10s, timeout: ${timeout}, failure_threshold: 3, success_threshold: 2 }
`;
  const daemon = simulatedDaemon(undefined, 'check-replace-state', () => config('5s'));
  const { ops, runFor } = daemon;
  const incidents = () => daemon.server.daemon.store.db.selectFrom('incidents').select(['id', 'state']).orderBy('opened_at').execute();

  /** Four runs pass; after each the check is still down and its one incident still open. */
  const staysDown = async (after: string, incidentId: string) => {
    for (let i = 0; i < 4; i++) {
      await runFor(INTERVAL);
      expect(ops().checkState('api')?.probe.status, `run ${i + 1} after ${after}`).toBe('down');
      expect(await incidents(), `run ${i + 1} after ${after}`).toEqual([{ id: incidentId, state: 'triggered' }]);
    }
  };

  it('keeps the check settled down: the incident stays open, one, until the target recovers', async () => {
    const { server } = daemon;
    await runFor(5 * INTERVAL);
    expect(ops().checkState('api')?.probe.status).toBe('down');
    const [opened, ...others] = await incidents();
    expect(others).toEqual([]);
    expect(opened!.state).toBe('triggered');

    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), config('4s'));
    expect(await server.daemon.reload()).toBe(true);
    await staysDown('the reload', opened!.id);

    await server.restart();
    await staysDown('a restart', opened!.id);

    healthy = true;
    await runFor(3 * INTERVAL);
    expect(ops().checkState('api')?.probe.status).toBe('up');
    expect(await incidents()).toEqual([{ id: opened!.id, state: 'resolved' }]);
  }, scaled(120_000));

  it('forgets the settled state of a check the config drops: added back, it starts unknown, as its rules do', async () => {
    const { server } = daemon;
    healthy = false;
    await runFor(5 * INTERVAL);
    expect(ops().checkState('api')?.probe.status).toBe('down');
    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), 'checks: []\n');
    expect(await server.daemon.reload()).toBe(true);
    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), config('4s'));
    expect(await server.daemon.reload()).toBe(true);
    await runFor(INTERVAL);
    expect(ops().checkState('api')?.probe.status).toBe('unknown');
    await runFor(2 * INTERVAL);
    expect(ops().checkState('api')?.probe.status).toBe('down');
  }, scaled(120_000));
});
