/**
 * A failure stored in a check's history, with the settled state `down` it caused, that the rules
 * never saw: the process that ran the check was killed between the history write and the
 * evaluation (the result waited in its pipeline). The next opsbook starts with the target healthy
 * again. It opens the incident for the check from the stored state before the check's own first
 * runs, and resolves it once `success_threshold` good runs came: the outage is paged, not only
 * stored. A stored settled `up` does nothing. One daemon on SQLite, a simulated clock, a loopback
 * target that answers 200; the stored failure is written by the check runner's own history writer.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { HistoryWriter } from '../../src/checks/history/index.js';
import type { CheckResult } from '../../src/checks/index.js';
import { openStore } from '../../src/store/index.js';
import { storeTarget } from '../support/store-targets.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { minuteNow } from '../support/simulated-daemon.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { scaled } from '../support/timing.js';

const INTERVAL = 10_000;

describe('a stored failure the rules never saw, at the next start', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  /** The time of the result startAfter stored. */
  let storedAt = 0;
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups.length = 0;
  }, scaled(60_000));

  /**
   * A SQLite store whose history holds one result of check `api` at `at` and the settled state it
   * caused, as the runner's history writer writes them (no rule has seen it); then a daemon on it,
   * its clock at `at` + 20 s, the target healthy.
   */
  const startAfter = async (stored: Pick<CheckResult, 'status' | 'level'> & Partial<Pick<CheckResult, 'conditions'>>, settled: { down: boolean; level: 0 | 1 | 2 }, rule = '') => {
    const target: StatusServer = await startStatusServer(200);
    cleanups.push(() => target.close());
    const db = await storeTarget('opsbook-stored-unseen', 'sqlite', { migrated: true }).open();
    cleanups.push(db.cleanup);
    const at = minuteNow() - 60_000;
    const store = await openStore({ url: db.url });
    const clock = new SimulatedClock(at);
    const history = new HistoryWriter({ store, clock });
    await history.prepare(['api']);
    history.record({ checkId: 'api', kind: 'http', at, latencyMs: 5, conditions: [], ...stored }, undefined, settled);
    storedAt = at;
    await history.flush();
    await store.close();

    const config = `storage:\n  url: "${db.url}"\nchecks:\n  - { id: api, kind: http, url: "${target.url}/health", interval: 10s, timeout: 5s, failure_threshold: 2, success_threshold: 2 }\n${rule}`;
    const daemonClock = new SimulatedClock(at + 20_000);
    const app: DaemonApp = await startDaemonApp('stored-unseen', { 'ops.yaml': config }, { clock: daemonClock });
    cleanups.push(() => app.close());
    const ops = () => app.daemon.operations!;
    const runFor = async (ms: number) => {
      await daemonClock.advance(ms, () => ops().settle(scaled(5_000)));
      await ops().settle(scaled(5_000));
    };
    const incidents = () => app.daemon.store.db.selectFrom('incidents').select(['state', 'title']).orderBy('opened_at').execute();
    const series = () => app.daemon.store.db.selectFrom('alert_series').select(['rule_id', 'state']).orderBy('rule_id').execute();
    const annotations = async () => (await app.daemon.store.db.selectFrom('incident_alerts').select('annotations').execute()).map((a) => JSON.parse(a.annotations) as Record<string, string>);
    return { app, ops, runFor, incidents, series, annotations };
  };

  it('opens the incident for the check from its stored settled state, and resolves it after success_threshold good runs', async () => {
    const failed = { list: 'conditions' as const, text: '[STATUS] == 200', ok: false, actual: '503' };
    const d = await startAfter({ status: 'down', level: 'critical', conditions: [failed] }, { down: true, level: 2 });
    await d.ops().settle(scaled(5_000));
    // Before any run of its own: the check starts settled down, and its rule has fired on that.
    expect(d.ops().checkState('api')).toBeUndefined();
    expect(await d.incidents(), 'incidents after the start, before the first run').toEqual([{ state: 'triggered', title: expect.stringContaining('api') }]);
    // The responder is shown what the stored run saw, and when: no run of this process has observed it.
    expect((await d.annotations()).map((a) => a.observed)).toEqual([`failed: [STATUS] == 200 (stored run of ${new Date(storedAt).toISOString()}, before this process took the check over)`]);

    await d.runFor(INTERVAL);
    expect(d.ops().checkState('api')?.probe.status).toBe('down');
    expect((await d.incidents()).map((i) => i.state)).toEqual(['triggered']);
    await d.runFor(INTERVAL);
    expect(d.ops().checkState('api')?.probe.status).toBe('up');
    expect((await d.incidents()).map((i) => i.state)).toEqual(['resolved']);
  }, scaled(120_000));

  it('does nothing for a stored settled up', async () => {
    const d = await startAfter({ status: 'up', level: 'ok' }, { down: false, level: 0 });
    await d.ops().settle(scaled(5_000));
    // Before any run of its own, no rule has been evaluated.
    expect(d.ops().checkState('api')).toBeUndefined();
    expect(await d.series()).toEqual([]);
    await d.runFor(2 * INTERVAL);
    expect(d.ops().checkState('api')?.probe.status).toBe('up');
    expect(await d.incidents()).toEqual([]);
  }, scaled(120_000));

  it('leaves a rule that reads LATENCY or VALUE to the check\'s own runs; a STATUS rule fires', async () => {
    const rules = `rules:
  - { id: api-slow, check: api, condition: "[LATENCY] > 1000 || [STATUS] == down" }
  - { id: api-value, check: api, condition: "value > 3" }
  - { id: api-down, check: api, condition: "[STATUS] == down" }
`;
    const d = await startAfter({ status: 'down', level: 'critical' }, { down: true, level: 2 }, rules);
    await d.ops().settle(scaled(5_000));
    expect(d.ops().checkState('api')).toBeUndefined();
    // The implicit level rule and the STATUS rule fire; the LATENCY and VALUE rules are not evaluated.
    expect(await d.series()).toEqual([
      { rule_id: 'api-down', state: 'firing' },
      { rule_id: 'check:api', state: 'firing' },
    ]);
  }, scaled(120_000));
});
