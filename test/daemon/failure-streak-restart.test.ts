/**
 * A failure streak a check had begun is counted on after a restart of opsbook: a check with
 * `failure_threshold: 3` that failed twice before the restart settles down, and opens its incident,
 * at its first failed run after it — not three runs later, as if the two had never happened. The
 * same count follows a check whose partition moves to another process of a cluster (the newest
 * stored results are read where the settled state is). One daemon on SQLite, a simulated clock, a
 * loopback target told when to fail.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { scaled } from '../support/timing.js';

const INTERVAL = 10_000;

describe('a failure streak across a restart', () => {
  let target: StatusServer;
  let healthy = true;
  beforeAll(async () => {
    target = await startStatusServer(() => (healthy ? 200 : 500));
  });
  afterAll(async () => {
    await target?.close();
  });
  const daemon = simulatedDaemon(undefined, 'failure-streak-restart', () => `checks:
  - { id: api, kind: http, url: "${target.url}/health", interval: 10s, timeout: 5s, failure_threshold: 3, success_threshold: 1 }
`);
  const { ops, runFor } = daemon;
  const incidents = () => daemon.server.daemon.store.db.selectFrom('incidents').select(['id', 'state']).execute();

  it('settles down at the first failed run after the restart when two failed before it', async () => {
    await runFor(3 * INTERVAL);
    expect(ops().checkState('api')?.probe.status).toBe('up');

    healthy = false;
    await runFor(2 * INTERVAL);
    expect(ops().checkState('api')?.probe).toMatchObject({ status: 'up', downStreak: 2 });
    expect(await incidents()).toEqual([]);

    await daemon.server.restart();
    await runFor(INTERVAL);
    expect(ops().checkState('api')?.probe.status).toBe('down');
    expect(await incidents()).toEqual([{ id: expect.any(String), state: 'triggered' }]);
  }, scaled(120_000));

  it('starts the streak again after a good run, restart or not', async () => {
    healthy = true;
    await runFor(2 * INTERVAL);
    expect(ops().checkState('api')?.probe.status).toBe('up');
    healthy = false;
    await runFor(INTERVAL);
    healthy = true;
    await runFor(INTERVAL);
    healthy = false;
    await runFor(INTERVAL);
    // Newest first: down, up, down — one failed run toward down, not two: the run after is the second.
    await daemon.server.restart();
    await runFor(INTERVAL);
    expect(ops().checkState('api')?.probe).toMatchObject({ status: 'up', downStreak: 2 });
    await runFor(INTERVAL);
    expect(ops().checkState('api')?.probe.status).toBe('down');
  }, scaled(120_000));
});
