/**
 * A page's timeline lines commit with the escalation step that wrote its outbox rows, or not at all.
 * A timed step whose transaction fails after it queued its page (here: the save of the escalation's
 * new state refused by a trigger) leaves no "paged" line behind: neither the next commit of other
 * work (another incident's escalation starting) nor the step's retry writes a line for a page that
 * no outbox row holds, and the retried step's page is on the timeline once. On PostgreSQL, other work
 * committing while the step's transaction is still open (held inside the trigger, then refused) does
 * not take the step's lines either. Real SQLite and PostgreSQL, simulated clock.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;

const pgUp = await postgresUp();

function opsYaml(url: string, storage = ''): string {
  return `${storage}users:
  - { name: ana, role: responder }
services:
  - { id: api }
channels:
  - { id: hook, kind: webhook, url: ${url}, secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: hook }], timeout: 1m }
      - { targets: [{ channel: hook }], timeout: 1h }
`;
}

/** The running daemon's API and its incidents' page lines. */
function harness(get: () => { server: DaemonApp; daemon: Daemon; token: string }) {
  async function call<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
    const { server, token } = get();
    const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(body !== undefined ? { payload: body as object } : {}) });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json() as T;
  }
  /** The incident's "paged channel" lines, and whether the outbox holds the page each names. */
  async function pageLines(incidentId: string): Promise<Array<{ text: string; inOutbox: boolean }>> {
    const { daemon } = get();
    await daemon.operations!.settle(scaled(5_000));
    const { timeline } = await call<{ timeline: Array<{ kind: string; text: string; data: { key?: string; channel?: string } }> }>('GET', `/api/incidents/${incidentId}/timeline`);
    const keys = new Set((await daemon.store.db.selectFrom('outbox').select('dedup_key').where('incident_id', '=', incidentId).execute()).map((r) => r.dedup_key));
    return timeline.filter((t) => t.kind === 'notification' && t.data.key !== undefined).map((t) => ({ text: t.text, inOutbox: keys.has(`${t.data.key}/channel:${t.data.channel}`) }));
  }
  return { call, pageLines };
}

describe('timeline lines of an escalation step', () => {
  let server: DaemonApp;
  let daemon: Daemon;
  let receiver: StatusServer;
  let clock: SimulatedClock;
  let token: string;
  const { call, pageLines } = harness(() => ({ server, daemon, token }));

  beforeAll(async () => {
    receiver = await startStatusServer(204);
    const url = `${receiver.url}/hook`;
    clock = new SimulatedClock(Math.floor(Date.now() / MINUTE) * MINUTE);
    server = await startDaemonApp('page-lines', { 'ops.yaml': opsYaml(url) }, { clock });
    ({ daemon } = server);
    token = (await apiTokens(daemon, 'ana', ['ana'])).ana!;
  });
  afterAll(async () => {
    await server?.close();
    await receiver.close();
  });

  it('a step rolled back after queuing its page leaves no line; its retry writes the line once', async () => {
    const a = await call<{ id: string }>('POST', '/api/incidents', { title: 'Checkout failing', severity: 'P1', service: 'api' });
    expect(await pageLines(a.id)).toEqual([{ text: 'step 1: paged channel hook', inOutbox: true }]);

    // Step 2 falls due; its transaction queues the page, then the escalation's save is refused.
    await sql`create trigger refuse_escalation_save before update on escalations begin select raise(abort, 'injected: escalation save refused'); end`.execute(daemon.store.db);
    try {
      await clock.advance(MINUTE);
      await daemon.operations!.escalations.idle();
    } finally {
      await sql`drop trigger refuse_escalation_save`.execute(daemon.store.db);
    }
    expect(await daemon.store.db.selectFrom('outbox').select('dedup_key').where('incident_id', '=', a.id).where('dedup_key', 'like', '%/s1/%').execute()).toEqual([]);

    // Other work commits: another incident's escalation starts.
    const b = await call<{ id: string }>('POST', '/api/incidents', { title: 'Search slow', severity: 'P2', service: 'api' });
    expect(await pageLines(b.id)).toEqual([{ text: 'step 1: paged channel hook', inOutbox: true }]);
    // No line on A for the page its rolled-back step never queued.
    expect(await pageLines(a.id)).toEqual([{ text: 'step 1: paged channel hook', inOutbox: true }]);

    // The step is retried (the driver looks again a few seconds later): its page and its line, once.
    await clock.advance(10_000);
    await daemon.operations!.escalations.idle();
    expect(await pageLines(a.id)).toEqual([
      { text: 'step 1: paged channel hook', inOutbox: true },
      { text: 'step 2: paged channel hook', inOutbox: true },
    ]);
  });
});

describe.skipIf(!pgUp)('timeline lines of an escalation step on PostgreSQL', () => {
  let db: ScratchDatabase;
  /** The test's own connections: one holds a lock, one looks at pg_locks. */
  let probe: Store;
  let server: DaemonApp;
  let daemon: Daemon;
  let receiver: StatusServer;
  let clock: SimulatedClock;
  let token: string;
  const { call, pageLines } = harness(() => ({ server, daemon, token }));
  /** The advisory lock the test holds to keep a step's transaction open inside the trigger. */
  const HOLD = 7_419_901;

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_page_lines');
    probe = await openStore({ url: db.url, poolSize: 2 });
    receiver = await startStatusServer(204);
    const url = `${receiver.url}/hook`;
    clock = new SimulatedClock(Math.floor(Date.now() / MINUTE) * MINUTE);
    server = await startDaemonApp('page-lines-pg', { 'ops.yaml': opsYaml(url, `storage:\n  url: "${db.url}"\n`) }, { clock });
    ({ daemon } = server);
    token = (await apiTokens(daemon, 'ana', ['ana'])).ana!;
  }, scaled(60_000));
  afterAll(async () => {
    await server?.close();
    await receiver.close();
    await probe?.close();
    await db?.drop();
  });

  /** Ungranted advisory locks on `key` (a waiting transaction). */
  async function waitingOn(key: number): Promise<number> {
    const rows = await sql<{ n: string }>`select count(*) as n from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and not l.granted and l.objid = ${key} and d.datname = current_database()`.execute(probe.db);
    return Number(rows.rows[0]!.n);
  }

  async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const t0 = Date.now();
    while (!(await probe())) {
      if (Date.now() - t0 > scaled(timeoutMs)) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  it('other work committing while a step is open does not write its lines; the step refused leaves none', async () => {
    const a = await call<{ id: string }>('POST', '/api/incidents', { title: 'Checkout failing', severity: 'P1', service: 'api' });
    expect(await pageLines(a.id)).toEqual([{ text: 'step 1: paged channel hook', inOutbox: true }]);

    // A's step 2 saves its escalation inside a trigger that waits for the test, then refuses it.
    await sql.raw(`create function hold_then_refuse() returns trigger language plpgsql as $$ begin
      if new.incident_id = '${a.id}' then perform pg_advisory_xact_lock(${HOLD}); raise exception 'injected: escalation save refused'; end if;
      return new; end $$`).execute(daemon.store.db);
    await sql`create trigger hold_then_refuse before update on escalations for each row execute function hold_then_refuse()`.execute(daemon.store.db);
    let advanced: Promise<void> | undefined;
    const holder = await probe.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${HOLD})`.execute(conn);
      try {
        advanced = clock.advance(MINUTE);
        await until('A\'s step 2 held open in its transaction', async () => (await waitingOn(HOLD)) === 1);
        // Other work commits meanwhile: B's escalation starts (or waits for the incident writers' lock A's step holds).
        const b = call<{ id: string }>('POST', '/api/incidents', { title: 'Search slow', severity: 'P2', service: 'api' });
        let bDone = false;
        void b.then(() => (bDone = true), () => (bDone = true));
        await until('B committed or waiting for the incident writers\' lock', async () => bDone || (await waitingOn(7410004)) > 0);
        // What A's timeline says while its step is still open: the step's lines are not there.
        const lines = await probe.db.selectFrom('incident_timeline').select('text').where('incident_id', '=', a.id).where('kind', '=', 'notification').orderBy('seq').execute();
        return { b, whileOpen: lines.map((l) => l.text) };
      } finally {
        await sql`select pg_advisory_unlock(${HOLD})`.execute(conn);
      }
    });
    const b = await holder.b;
    expect(holder.whileOpen).toEqual(['step 1: paged channel hook']);
    await advanced;
    await daemon.operations!.escalations.idle();
    await sql`drop trigger hold_then_refuse on escalations`.execute(daemon.store.db);
    await sql`drop function hold_then_refuse()`.execute(daemon.store.db);

    expect(await pageLines(b.id)).toEqual([{ text: 'step 1: paged channel hook', inOutbox: true }]);
    expect(await pageLines(a.id)).toEqual([{ text: 'step 1: paged channel hook', inOutbox: true }]);

    await clock.advance(10_000);
    await daemon.operations!.escalations.idle();
    expect(await pageLines(a.id)).toEqual([
      { text: 'step 1: paged channel hook', inOutbox: true },
      { text: 'step 2: paged channel hook', inOutbox: true },
    ]);
  });
});
