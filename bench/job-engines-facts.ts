/**
 * Two facts bench/job-engines.ts prints beside its throughput figures, each shown on a real pg-boss
 * 10 and the real PostgreSQL rather than asserted:
 *
 * - the clock: opsbook moves escalation and retry times with its own clock (a SimulatedClock in
 *   tests, `opsbook test` and the game days, which cross 15-minute escalation steps in seconds); a
 *   pg-boss job is due when `start_after < now()` — PostgreSQL's clock (pg-boss src/plans.js
 *   fetchNextJob) — so a step timed by opsbook's clock is not fetchable when that clock has passed
 *   it. `ignoreStartAfter` is no way round (it takes jobs not yet due as well); a `now()` shadowed
 *   through `search_path` is, and is what a clock shim would have to be;
 * - crash recovery: pg-boss hands a dead worker's active job out again only when maintenance fails
 *   it by timeout (`started_on + expire_in < now()`), so after at least `expireInSeconds` (≥ 1) and
 *   at most about that plus a `maintenanceIntervalSeconds` (≥ 1) or two; and its `complete()` checks
 *   only `state = 'active'`, so the dead worker's late completion completes the job another worker
 *   now holds — fencing has to come from the caller's own check in the same transaction.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { SimulatedClock, SystemClock } from '../src/lib/clock.js';
import { openStore, saveEscalation, dueEscalations, type Database } from '../src/store/index.js';
import { bossDb, loadPgBoss, type PgBossDb } from './job-engines-pgboss.js';

const MINUTE = 60_000;

/** Why graphile-worker 0.16 gets no fenced row (read from its sources, bench/engines/node_modules/graphile-worker). */
export const GRAPHILE_WORKER_SETTLE =
  'graphile-worker 0.16 fenced: not possible through its API — the runner deletes a finished job on its own pool after the task returns ' +
  '(dist/worker.js → dist/sql/completeJob.js), there is no public fetch, and the public graphile_worker.complete_jobs() skips jobs locked < 4 h ago ' +
  '(sql/000016.sql), i.e. every job a live worker holds; only its _private_jobs table would allow it';

export async function clockFacts(url: string): Promise<string[]> {
  const PgBoss = await loadPgBoss();
  const boss = new PgBoss({ connectionString: url, max: 2, supervise: false, schedule: false });
  boss.on('error', () => {});
  const store = await openStore({ url, poolSize: 2 });
  const out: string[] = [];
  try {
    await boss.start();
    await store.migrate();
    await boss.createQueue('escalation-steps');
    // As the game days start their clock: the wall clock's minute, then moved by the driver only.
    const clock = new SimulatedClock(Math.floor(new SystemClock().now() / MINUTE) * MINUTE);
    const step = clock.now() + 15 * MINUTE;
    await boss.send('escalation-steps', { id: 1 }, { startAfter: new Date(step) });
    await boss.send('escalation-steps', { id: 2 }, { startAfter: new Date(clock.now() + 30 * MINUTE) });
    await saveEscalation(store.db, { incident_id: 'inc-1', policy_id: 'p', status: 'active', next_at: step, state: '{}', updated_at: clock.now() });
    await clock.advance(16 * MINUTE);

    const fetched = await boss.fetch('escalation-steps', { batchSize: 10 });
    const wait = await store.db.executeQuery<{ s: string }>(
      CompiledQuery.raw(`select round(extract(epoch from min(start_after) - now()))::text as s from pgboss.job where name = 'escalation-steps'`),
    );
    const opsbookDue = await dueEscalations(store.db, clock.now());
    out.push(
      `clock: step sent with startAfter = simulated clock + 15 min, clock moved 16 min → pg-boss fetch() returns ${fetched.length} job(s) ` +
        `(start_after < PostgreSQL now(): due in ${wait.rows[0]?.s ?? '?'} s of real time); opsbook's dueEscalations(db, clock.now()) returns ${opsbookDue.length}`,
    );

    // ignoreStartAfter drops the due test altogether: job 2 (due at +30 min, 14 min ahead) comes too.
    const ignoring = await fetchUnder(store.db, null, (db) => boss.fetch('escalation-steps', { batchSize: 10, ignoreStartAfter: true, db }));
    out.push(`clock: fetch({ ignoreStartAfter: true }) returns ${ignoring.length} job(s) (ids ${ignoring.map((j) => j.data.id).join(', ')}), the not-yet-due one included — no substitute`);

    // A shim: now() shadowed for one transaction by a function ahead of pg_catalog in search_path.
    await sql`create schema if not exists opsbook_clock`.execute(store.db);
    await sql`create or replace function opsbook_clock.now() returns timestamptz language sql stable as $$ select current_setting('opsbook.now')::timestamptz $$`.execute(store.db);
    const shimmed = await fetchUnder(store.db, new Date(clock.now()), (db) => boss.fetch('escalation-steps', { batchSize: 10, db }));
    out.push(
      `clock: the same fetch() in a transaction whose search_path puts opsbook_clock.now() (= the simulated clock) before pg_catalog returns ` +
        `${shimmed.length} job(s) (ids ${shimmed.map((j) => j.data.id).join(', ')}) — what a clock shim would have to be`,
    );
  } finally {
    await boss.stop({ graceful: false, wait: true });
    await store.close();
  }
  return out;
}

/** Runs `fetch` in a transaction of `db` (one that sees `now()` as `at` when given) and rolls it back. */
async function fetchUnder<T>(db: Kysely<Database>, at: Date | null, fetch: (db: PgBossDb) => Promise<T[]>): Promise<T[]> {
  let got: T[] = [];
  await db
    .transaction()
    .execute(async (trx) => {
      if (at) await sql`select set_config('search_path', 'opsbook_clock, pg_catalog, public', true), set_config('opsbook.now', ${at.toISOString()}, true)`.execute(trx);
      got = await fetch(bossDb(trx));
      throw new RolledBack();
    })
    .catch((e: unknown) => {
      if (!(e instanceof RolledBack)) throw e;
    });
  return got;
}

class RolledBack extends Error {}

export async function recoveryFacts(url: string): Promise<string[]> {
  const PgBoss = await loadPgBoss();
  // The smallest settings pg-boss 10 accepts (src/attorney.js): expireInSeconds ≥ 1, maintenanceIntervalSeconds ≥ 1.
  const a = new PgBoss({ connectionString: url, max: 2, schedule: false, maintenanceIntervalSeconds: 1 });
  const b = new PgBoss({ connectionString: url, max: 2, supervise: false, schedule: false, migrate: false });
  for (const x of [a, b]) x.on('error', () => {});
  const out: string[] = [];
  try {
    await a.start();
    await b.start();
    await a.createQueue('deliveries');
    const trials: Array<{ ms: number; stale: number; current: number }> = [];
    for (let i = 0; i < 3; i++) {
      await a.send('deliveries', { id: i }, { expireInSeconds: 1, retryLimit: 5 });
      const [job] = await a.fetch('deliveries');
      if (!job) throw new Error('recovery: the job was not fetched');
      // Worker a "dies" here: it never completes. Worker b polls every 50 ms for up to 60 s.
      const t0 = performance.now();
      let again: string | undefined;
      while (!again && performance.now() - t0 < 60_000) {
        again = (await b.fetch('deliveries'))[0]?.id;
        if (!again) await new Promise((r) => setTimeout(r, 50));
      }
      if (!again) throw new Error('recovery: pg-boss did not hand the abandoned job out again within 60 s');
      const ms = performance.now() - t0;
      const stale = await a.complete('deliveries', job.id);
      const current = await b.complete('deliveries', again);
      trials.push({ ms, stale: stale.affected, current: current.affected });
    }
    out.push(
      `recovery: pg-boss (expireInSeconds 1, maintenanceIntervalSeconds 1) handed a dead worker's active job to another after ${trials.map((t) => (t.ms / 1000).toFixed(1)).join(' / ')} s; ` +
        `the dead worker's late complete() then affected ${trials.map((t) => t.stale).join(' / ')} row(s), the new holder's ${trials.map((t) => t.current).join(' / ')} — complete() has no claim token`,
    );
    out.push("recovery: graphile-worker 0.16 releases a crashed worker's locked job only when locked_at < now() - interval '4 hours' (dist/sql/resetLockedAt.js; not run here)");
  } finally {
    await a.stop({ graceful: false, wait: true });
    await b.stop({ graceful: false, wait: true });
  }
  return out;
}
