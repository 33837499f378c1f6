/**
 * A config reload that meets a store error is reported, not thrown: the file watcher and SIGHUP
 * start reloads nobody awaits, so an error escaping `reload()` was an unhandled rejection, which
 * ends the process. The fault is real SQL: a SQLite trigger refuses the deletion of the rule state
 * of a rule the new config removes, and is dropped afterwards; the next reload applies.
 */
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { scaled } from '../support/timing.js';

describe('a config reload on a store error', () => {
  let server: DaemonApp;
  let web: StatusServer;
  const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
  const ops = () => server.daemon.operations!;
  const config = (withRule: boolean) =>
    `checks:\n  - { id: web, kind: http, url: "${web.url}/", interval: 30s, failure_threshold: 1, success_threshold: 1 }\n` +
    (withRule ? 'rules:\n  - { id: slow, check: web, for: 60s }\n' : '');

  beforeAll(async () => {
    web = await startStatusServer(200);
    server = await startDaemonApp('reload-error', { 'ops.yaml': config(true) }, { clock });
  }, scaled(60_000));
  afterAll(async () => {
    await server?.close();
    await web.close();
  }, scaled(60_000));

  it('answers instead of throwing, and the next reload applies', async () => {
    const db = server.daemon.store.db;
    const series = () => db.selectFrom('alert_series').select('rule_id').where('rule_id', '=', 'slow').execute();
    for (let i = 0; i < 10 && (await series()).length === 0; i++) {
      await clock.advance(30_000, () => ops().settle(scaled(5_000)));
      await ops().settle(scaled(5_000));
    }
    expect(await series()).toHaveLength(1);
    await sql.raw(`create trigger refuse_series_delete before delete on alert_series begin select raise(abort, 'injected: alert_series refused'); end`).execute(db);
    fs.writeFileSync(path.join(server.dir, 'ops.yaml'), config(false));
    try {
      await expect(server.daemon.reload()).resolves.toBe(true);
    } finally {
      await sql.raw('drop trigger refuse_series_delete').execute(db);
    }
    await expect(server.daemon.reload()).resolves.toBe(true);
    expect(await series()).toEqual([]);
  }, scaled(60_000));
});
