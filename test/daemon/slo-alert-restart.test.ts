/**
 * SLO burn-rate alerts across a kill of opsbook on SQLite (SIGKILL). A check that fails every run burns
 * an availability SLO's budget 100× (objective 99 %): its page alert fires.
 *
 * - Killed between the alert's evaluation and its incident's commit (the store refuses the incident's
 *   alert row, as if the process died between the two, then the process is killed): the next process
 *   pages the burn. Were the firing series stored on its own, the next process would read it back
 *   and never fire it (alerts come from transitions): the burn would never page.
 * - Killed while its incident is open: the next process opens no second incident, and resolves the
 *   alert once the check has recovered.
 *
 * A real daemon in a child process (test/torture/daemon-child.ts) on a simulated clock, a real SQLite
 * file, a loopback target told when to fail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { DaemonsOnOneStore, type KillableDaemon } from '../support/killable-daemon.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;
const T0 = Date.parse('2026-03-02T00:00:00Z');
const RULE = 'slo:api-availability';

describe('an SLO burn-rate alert across a kill of opsbook on SQLite', () => {
  let dir = '';
  let target: StatusServer | undefined;
  let healthy = false;

  afterEach(async () => {
    await daemons.close();
    await target?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, scaled(60_000));

  const setUp = async () => {
    healthy = false;
    target = await startStatusServer(() => (healthy ? 200 : 500));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-slo-restart-'));
    fs.writeFileSync(
      path.join(dir, 'ops.yaml'),
      `storage:\n  url: "${path.join(dir, 'opsbook.db')}"\nchecks:\n  - { id: api, kind: http, url: "${target.url}/health", interval: 10s, timeout: 5s }\nslos:\n  - { id: api-availability, kind: availability, checks: [api], objective: 99% }\n`,
    );
  };
  const daemons = new DaemonsOnOneStore(() => dir);
  const start = (at: number) => daemons.start(at);
  const kill = (d: KillableDaemon) => daemons.kill(d);
  /** Advances `d` a minute at a time from `from` to `to`. */
  const minutes = async (d: KillableDaemon, from: number, to: number) => {
    for (let t = from + MINUTE; t <= to; t += MINUTE) await d.advanceTo(t);
  };
  /** The SLO's alerts recorded in incidents: the incident, its state, the alert's state. */
  const sloAlerts = async () =>
    (
      await daemons.store.db
        .selectFrom('incident_alerts as a')
        .innerJoin('incidents as i', 'i.id', 'a.incident_id')
        .select(['a.incident_id', 'i.state as incident', 'a.state as alert', 'a.labels'])
        .where('a.rule_id', '=', RULE)
        .execute()
    )
      .filter((r) => (JSON.parse(r.labels) as { urgency?: string }).urgency === 'page')
      .map(({ incident_id, incident, alert }) => ({ incident_id, incident, alert }));

  it('pages a burn whose incident was not written when the process died', async () => {
    await setUp();
    const first = await start(T0);
    // Migrated by the daemon: from now on the store refuses the SLO's alert rows (and the incidents they would open).
    await sql`CREATE TRIGGER refuse_slo_alerts BEFORE INSERT ON incident_alerts WHEN NEW.rule_id LIKE 'slo:%' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`.execute(daemons.store.db);
    await minutes(first, T0, T0 + 12 * MINUTE);
    // The check's own incident opened: the pipeline ran; the burn's could not be written.
    expect((await daemons.store.db.selectFrom('incident_alerts').select('rule_id').execute()).map((r) => r.rule_id)).not.toContain(RULE);
    expect(await daemons.store.db.selectFrom('incidents').select('id').execute()).toHaveLength(1);
    await kill(first);
    await sql`DROP TRIGGER refuse_slo_alerts`.execute(daemons.store.db);

    const second = await start(T0 + 13 * MINUTE);
    await minutes(second, T0 + 13 * MINUTE, T0 + 16 * MINUTE);
    await expect.poll(async () => (await sloAlerts()).map((a) => [a.incident, a.alert]), { timeout: scaled(30_000), interval: 100 }).toEqual([['triggered', 'firing']]);
  }, scaled(240_000));

  it('keeps one incident for the burn across a kill, and resolves the alert once the check recovered', async () => {
    await setUp();
    const first = await start(T0);
    await minutes(first, T0, T0 + 12 * MINUTE);
    await expect.poll(async () => (await sloAlerts()).map((a) => a.alert), { timeout: scaled(30_000), interval: 100 }).toEqual(['firing']);
    const [opened] = await sloAlerts();
    await kill(first);

    const second = await start(T0 + 13 * MINUTE);
    await minutes(second, T0 + 13 * MINUTE, T0 + 16 * MINUTE);
    expect(await sloAlerts()).toEqual([opened]);
    // Healthy again: the page alerts' short windows (5m, 30m) stop burning once they hold good minutes only.
    healthy = true;
    await minutes(second, T0 + 16 * MINUTE, T0 + 52 * MINUTE);
    await expect.poll(async () => (await sloAlerts()).map((a) => [a.incident_id, a.alert]), { timeout: scaled(30_000), interval: 100 }).toEqual([[opened!.incident_id, 'resolved']]);
  }, scaled(240_000));
});
