/**
 * A dead-man check (kind: heartbeat) whose deadline passes while opsbook is down. The nightly job beat
 * once; opsbook on SQLite is killed (SIGKILL) and started again after the deadline: the check fails
 * at its first runs and one incident opens for it; killed and started again while that incident is
 * open, it stays one incident. A job that beat just before the kill is not paged after the restart.
 * A real daemon in a child process (test/torture/daemon-child.ts) on a simulated clock, a real SQLite
 * file, beats over the daemon's HTTP API.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonsOnOneStore, type KillableDaemon } from '../support/killable-daemon.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.parse('2026-03-02T00:00:00Z');

describe('a heartbeat whose deadline passes while opsbook is down', () => {
  let dir = '';

  afterEach(async () => {
    await daemons.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, scaled(60_000));

  const setUp = () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-heartbeat-down-'));
    fs.writeFileSync(
      path.join(dir, 'ops.yaml'),
      `storage:\n  url: "${path.join(dir, 'opsbook.db')}"\nchecks:\n  - { id: nightly-backup, kind: heartbeat, period: 1h, grace: 5m, interval: 1m, failure_threshold: 2, success_threshold: 1 }\n`,
    );
  };
  const daemons = new DaemonsOnOneStore(() => dir);
  const start = (at: number) => daemons.start(at);
  const kill = (d: KillableDaemon) => daemons.kill(d);
  /** The job's beat, over the daemon's API, with the URL token the store keeps. */
  const beat = async (d: KillableDaemon) => {
    const { token } = await daemons.store.db.selectFrom('check_heartbeats').select('token').where('check_id', '=', 'nightly-backup').executeTakeFirstOrThrow();
    const r = await fetch(`${d.api}/api/heartbeats/${token}`, { method: 'POST' });
    expect(r.status).toBeLessThan(300);
  };
  const incidents = () => daemons.incidents();
  /** Advances `d` a minute at a time to `at` (each minute's check run settled). */
  const minutes = async (d: KillableDaemon, from: number, to: number) => {
    for (let t = from + MINUTE; t <= to; t += MINUTE) await d.advanceTo(t);
  };

  it('opens one incident after the restart, and keeps it one across another kill', async () => {
    setUp();
    const first = await start(T0);
    await minutes(first, T0, T0 + 2 * MINUTE);
    await beat(first);
    await minutes(first, T0 + 2 * MINUTE, T0 + 10 * MINUTE);
    expect(await incidents()).toEqual([]);
    await kill(first);

    // Down from 00:10 to 02:00: the beat due by 01:07 never came.
    const second = await start(T0 + 2 * HOUR);
    await minutes(second, T0 + 2 * HOUR, T0 + 2 * HOUR + 5 * MINUTE);
    await expect.poll(async () => (await incidents()).map((i) => i.state), { timeout: scaled(30_000), interval: 100 }).toEqual(['triggered']);
    const opened = await incidents();
    await kill(second);

    const third = await start(T0 + 2 * HOUR + 20 * MINUTE);
    await minutes(third, T0 + 2 * HOUR + 20 * MINUTE, T0 + 2 * HOUR + 30 * MINUTE);
    expect(await incidents()).toEqual(opened);
  }, scaled(240_000));

  it('does not page a job that beat just before the kill', async () => {
    setUp();
    const first = await start(T0);
    await minutes(first, T0, T0 + 50 * MINUTE);
    await beat(first);
    await kill(first);

    // Down from 00:50 to 01:30: the beat at 00:50 holds until 01:55.
    const second = await start(T0 + 90 * MINUTE);
    await minutes(second, T0 + 90 * MINUTE, T0 + 110 * MINUTE);
    expect(await incidents()).toEqual([]);
  }, scaled(240_000));
});
