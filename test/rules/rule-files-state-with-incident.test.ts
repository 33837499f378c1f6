/**
 * A rule-file alert's stored state commits with the incident it opens. The store refuses the
 * alert's incident row (a trigger: as if the process died between the two), while it keeps storing
 * rule state; the first process is then abandoned without a stop (as after SIGKILL: its clock never
 * moves again) and a second starts on the same SQLite file with the series still above the threshold.
 * Were the alert stored `firing` on its own, the second process would read it back and never fire it
 * (alerts come from transitions): the backlog would never page. Left running, the same process hands
 * the alert in again once the store takes it. Simulated clocks, one per process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { MemorySeriesSource } from '../../src/promql/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { minuteNow } from '../support/simulated-daemon.js';
import { queueBacklogRules } from '../support/rule-files-daemon.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;
const STEP = 15_000;

describe('a rule-file alert whose incident was not written when its process died', () => {
  const running: DaemonApp[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-rule-files-crash-'));
  const start = minuteNow();
  const series = new MemorySeriesSource();
  for (let t = start - 10 * MINUTE; t <= start + 60 * MINUTE; t += STEP) series.add({ __name__: 'queue_depth', queue: 'emails' }, t, 500);
  const files = (db: string) => ({
    'ops.yaml': `storage:\n  url: "${path.join(dir, db)}"\nrule_files:\n  files: [rules/*.yml]\n  evaluation_interval: 15s\n`,
    'rules/queue.yml': queueBacklogRules('1m'),
  });

  afterAll(async () => {
    // The abandoned one last: its stop would write what it still holds.
    for (const d of running.reverse()) await d.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, scaled(60_000));

  const daemonAt = async (at: number, db = 'opsbook.db') => {
    const clock = new SimulatedClock(at);
    const app = await startDaemonApp('rule-files-crash', files(db), { clock, series });
    running.push(app);
    const advance = async (ms: number) => {
      for (let t = 0; t < ms; t += STEP) {
        await clock.advance(STEP);
        await app.daemon.operations!.settle(scaled(2_000));
      }
    };
    return { app, clock, advance };
  };

  it('is fired again, and paged, by the next process', async () => {
    const first = await daemonAt(start);
    const db = first.app.daemon.store.db;
    await sql`CREATE TRIGGER refuse_rule_file_alerts BEFORE INSERT ON incident_alerts WHEN NEW.rule_id LIKE 'rule_files:%' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`.execute(db);
    await first.advance(3 * MINUTE);
    expect(await db.selectFrom('incidents').select('id').execute()).toEqual([]);
    await sql`DROP TRIGGER refuse_rule_file_alerts`.execute(db);

    const second = await daemonAt(first.clock.now());
    await second.advance(MINUTE);
    const opened = await second.app.daemon.store.db.selectFrom('incidents').select(['title', 'state']).execute();
    expect(opened).toEqual([{ title: 'emails holds 500 jobs', state: 'triggered' }]);
  }, scaled(120_000));

  it('is fired again by the same process once the store takes its incident', async () => {
    const only = await daemonAt(start, 'alone.db');
    const db = only.app.daemon.store.db;
    await sql`CREATE TRIGGER refuse_rule_file_alerts BEFORE INSERT ON incident_alerts WHEN NEW.rule_id LIKE 'rule_files:%' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`.execute(db);
    await only.advance(3 * MINUTE);
    expect(await db.selectFrom('incidents').select('id').execute()).toEqual([]);
    await sql`DROP TRIGGER refuse_rule_file_alerts`.execute(db);
    await only.advance(MINUTE);
    expect(await db.selectFrom('incidents').select(['title', 'state']).execute()).toEqual([{ title: 'emails holds 500 jobs', state: 'triggered' }]);
  }, scaled(120_000));
});
