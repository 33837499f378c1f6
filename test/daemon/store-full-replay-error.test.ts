/**
 * Once space returns, the alerts paged from memory are recorded even when one of them meets another
 * store error: the others are recorded at once, the one refused is logged and tried again a little
 * later, until it is recorded. Nothing is dropped, and the error does not escape (an unhandled
 * rejection would end the process). The faults are real PostgreSQL errors raised by a trigger on
 * incidents: first the disk-full error (SQLSTATE 53100), then an error for one alert only, dropped
 * afterwards. One daemon on a simulated clock.
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import type { AlertEvent } from '../../src/alerts/index.js';
import type { Database, ScratchDatabase } from '../../src/store/index.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const pgUp = await postgresUp();

async function refuseIncidents(db: Kysely<Database>, body: string): Promise<() => Promise<void>> {
  await sql.raw(`create function refuse_incidents() returns trigger language plpgsql as $$ begin ${body} return new; end $$`).execute(db);
  await sql.raw('create trigger refuse_incidents before insert on incidents for each row execute function refuse_incidents()').execute(db);
  return async () => {
    await sql.raw('drop trigger refuse_incidents on incidents').execute(db);
    await sql.raw('drop function refuse_incidents()').execute(db);
  };
}

/** Resolves once `ok` answers true, polling every 50 ms; throws after `timeoutMs`. */
async function until(what: string, ok: () => boolean, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !ok(); ) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function alert(name: string, at: number): AlertEvent {
  return { kind: 'firing', ruleId: `am:${name}`, dedupKey: `am:${name}`, labels: { alertname: name, service: name.toLowerCase() }, annotations: { summary: `${name} is failing` }, severity: 'P2', at };
}

describe.skipIf(!pgUp)('alerts paged from memory when one cannot be recorded after space returns', () => {
  let server: DaemonApp;
  let db: ScratchDatabase;
  const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);
  const ops = () => server.daemon.operations!;
  const runFor = async (ms: number) => {
    await clock.advance(ms, () => ops().settle(5_000));
    await ops().settle(5_000);
  };

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_full_replay');
    server = await startDaemonApp(
      'full-replay',
      {
        'ops.yaml':
          `storage:\n  url: "${db.url}"\n  full_retry: 10s\n` +
          // Port 9 (discard) refuses: pages from memory fail, which is all this test needs.
          `channels:\n  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }\n`,
      },
      { clock },
    );
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await db?.drop();
  }, 60_000);

  it('records the others at once and the refused one when the store takes it', async () => {
    const store = server.daemon.store.db;
    // The alerts' incidents: the channel's own (its pages fail, so in time it is found failing) is not this test's.
    const titles = async () => (await store.selectFrom('incidents').select('title').where('title', 'not like', 'Notification channel %').orderBy('title').execute()).map((r) => r.title);
    let heal = await refuseIncidents(store, `raise exception 'could not extend file' using errcode = '53100';`);
    await ops().ingest(alert('Checkout', clock.now()));
    await ops().ingest(alert('Search', clock.now()));
    expect(ops().storeFull.status?.held).toBe(2);
    await heal();
    heal = await refuseIncidents(store, `if new.title = 'Checkout is failing' then raise exception 'injected: checkout refused'; end if;`);
    await runFor(15_000);
    // The probe's write runs beside the pipeline: waited for in real time, with a generous bound.
    await until('the store is found writable again', () => ops().storeFull.status === undefined, 30_000);
    await ops().settle(5_000);
    expect(await titles()).toEqual(['Search is failing']);
    await heal();
    await runFor(15_000);
    expect(await titles()).toEqual(['Checkout is failing', 'Search is failing']);
  }, 60_000);
});
