/**
 * Once space returns, the alerts paged from memory are recorded even when one of them meets another
 * store error: the others are recorded at once, the one refused is logged and tried again a little
 * later, until it is recorded. Nothing is dropped, and the error does not escape (an unhandled
 * rejection would end the process). The faults are real PostgreSQL errors raised by a trigger on
 * incidents: first the disk-full error (SQLSTATE 53100), then an error for one alert only, dropped
 * afterwards. One daemon on a simulated clock.
 */
import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/index.js';
import type { Database } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { storeTarget } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { refusedWebhookChannel } from '../support/ops-yaml.js';
import { until, scaled } from '../support/timing.js';

const pgUp = await postgresUp();

async function refuseIncidents(db: Kysely<Database>, body: string): Promise<() => Promise<void>> {
  await sql.raw(`create function refuse_incidents() returns trigger language plpgsql as $$ begin ${body} return new; end $$`).execute(db);
  await sql.raw('create trigger refuse_incidents before insert on incidents for each row execute function refuse_incidents()').execute(db);
  return async () => {
    await sql.raw('drop trigger refuse_incidents on incidents').execute(db);
    await sql.raw('drop function refuse_incidents()').execute(db);
  };
}

function alert(name: string, at: number): AlertEvent {
  return { kind: 'firing', ruleId: `am:${name}`, dedupKey: `am:${name}`, labels: { alertname: name, service: name.toLowerCase() }, annotations: { summary: `${name} is failing` }, severity: 'P2', at };
}

describe.skipIf(!pgUp)('alerts paged from memory when one cannot be recorded after space returns', () => {
  const daemon = simulatedDaemon(storeTarget('opsbook-full-replay', 'postgres', { migrated: true }), 'full-replay', (url) =>
    `storage:\n  url: "${url}"\n  full_retry: 10s\n` +
    // Its pages from memory fail, which is all this test needs.
    `channels:\n${refusedWebhookChannel()}`,
  );
  const { clock, ops, runFor } = daemon;

  it('records the others at once and the refused one when the store takes it', async () => {
    const { server } = daemon;
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
    await ops().settle(scaled(5_000));
    expect(await titles()).toEqual(['Search is failing']);
    await heal();
    await runFor(15_000);
    expect(await titles()).toEqual(['Checkout is failing', 'Search is failing']);
  }, scaled(60_000));
});
