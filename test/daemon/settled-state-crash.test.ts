/**
 * A check's settled state survives a crash that comes before the next flush of check history. The
 * history is flushed once a (simulated) hour here, so only the write a settled change makes at once
 * stores it. The first opsbook is abandoned without a stop — as after SIGKILL, it writes nothing
 * more: its clock never moves again — and a second one starts on the same database: the check is
 * still down, its incident stays open and is not opened again. On SQLite, a simulated clock per
 * process, a loopback target that answers 500. (On PostgreSQL the abandoned process would go on
 * holding its partition's lease in real time; the writer's prompt, fenced write is shown on both
 * stores in src/checks/history/history.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { storeTargets } from '../support/store-targets.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled } from '../support/timing.js';
import { startStatusServer, type StatusServer } from '../support/net.js';

const INTERVAL = 10_000;
const HOUR = 3_600_000;

for (const target of storeTargets('opsbook-settled-crash', { migrated: true }).filter((t) => t.name === 'sqlite')) {
  describe(`a check settled down when opsbook is killed before the history flush, on ${target.name}`, () => {
    let target500: StatusServer;
    let cleanup: (() => Promise<void>) | undefined;
    let config = '';
    const running: DaemonApp[] = [];

    beforeAll(async () => {
      target500 = await startStatusServer(500);
      const db = await target.open();
      cleanup = db.cleanup;
      const url = db.url;
      config = `storage:\n  url: "${url}"\nchecks:\n  - { id: api, kind: http, url: "${target500.url}/health", interval: 10s, timeout: 5s, failure_threshold: 3, success_threshold: 2 }\n`;
    }, scaled(60_000));

    afterAll(async () => {
      // The abandoned one last: its stop would write what it still buffers.
      for (const d of running.reverse()) await d.close();
      await target500?.close();
      await cleanup?.();
    }, scaled(60_000));

    /** An opsbook on its own simulated clock, starting at `at`, whose history flush would come an hour later. */
    const start = async (at: number) => {
      const clock = new SimulatedClock(at);
      const app = await startDaemonApp('settled-crash', { 'ops.yaml': config }, { clock, historyFlushMs: HOUR });
      running.push(app);
      const ops = () => app.daemon.operations!;
      const runFor = async (ms: number) => {
        await clock.advance(ms, () => ops().settle(scaled(5_000)));
        await ops().settle(scaled(5_000));
      };
      const incidents = () => app.daemon.store.db.selectFrom('incidents').select(['id', 'state']).orderBy('opened_at').execute();
      return { app, clock, ops, runFor, incidents };
    };

    it('keeps the check down and its one incident open in the next process', async () => {
      const first = await start(Math.floor(Date.now() / 60_000) * 60_000);
      await first.runFor(5 * INTERVAL);
      expect(first.ops().checkState('api')?.probe.status).toBe('down');
      const opened = await first.incidents();
      expect(opened.map((i) => i.state)).toEqual(['triggered']);
      // Real time for the write a settled change makes (a crash may come at any moment; not this one). Not asserted:
      // what counts is what the next process finds.
      const stored = () => first.app.daemon.store.db.selectFrom('check_keys').select('settled_status').where('check_id', '=', 'api').executeTakeFirst();
      for (const until = Date.now() + scaled(3_000); Date.now() < until && (await stored())?.settled_status == null; ) await new Promise((r) => setTimeout(r, 20));

      // Killed: the first writes nothing more (its clock stands still). The next starts on the same database.
      const next = await start(first.clock.now());
      for (let i = 1; i <= 4; i++) {
        await next.runFor(INTERVAL);
        expect({ status: next.ops().checkState('api')?.probe.status, incidents: await next.incidents() }, `run ${i} after the restart`).toEqual({ status: 'down', incidents: opened });
      }
    }, scaled(120_000));
  });
}
