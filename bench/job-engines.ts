/**
 * `npm run bench:engines [-- --jobs N] [-- --only NAME|facts]`: the shared work of a cluster (a
 * notification or escalation step enqueued in its own transaction, claimed by one of several
 * workers, completed) on PostgreSQL, through opsbook's own outbox (one UPDATE … FOR UPDATE SKIP
 * LOCKED claim; the completion and its fencing check — the lease row read FOR SHARE — in one
 * transaction), pg-boss 10 both through `work()` and as opsbook would use it (`fetch()`, then the
 * batch completed with `complete(…, { db })` inside opsbook's fencing transaction), and
 * graphile-worker 0.16 through its runner (installed in bench/engines, not opsbook dependencies:
 * `npm ci --prefix bench/engines` first).
 *
 * Each engine gets a fresh database; 4 concurrent enqueuers each add jobs one per transaction while
 * 2 workers (concurrency 10 each) take them; the run ends when every job has completed. A second
 * pass (drain) enqueues every job first and times the workers alone from their start. Prints
 * jobs/s (enqueue → all done), the pickup delay p50/p99 (enqueued → handler started) and this
 * process's CPU ms per job (the engines' and the bench's JavaScript; PostgreSQL's own CPU is not in it),
 * with each engine as a ratio of opsbook's outbox measured in the same run. Then the facts of
 * bench/job-engines-facts.ts: whose clock pg-boss's due times follow, how fast it hands a dead
 * worker's job out again, and why graphile-worker has no fenced row.
 */
import { CompiledQuery } from 'kysely';
import { createTestDatabase } from '../test/support/services.js';
import { openStore, claimDueOutbox, ensureLeases, acquireLease, holdAndMark, insertOutbox, recordOutboxAttemptsIn, type Store } from '../src/store/index.js';
import { newId } from '../src/lib/ids.js';
import { bossDb, loadPgBoss, requireEngine, type PgBossLike } from './job-engines-pgboss.js';
import { clockFacts, recoveryFacts, GRAPHILE_WORKER_SETTLE } from './job-engines-facts.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const JOBS = Number(opt('jobs') ?? (args.includes('--quick') ? 2000 : 10_000));
const ONLY = opt('only');
const ENQUEUERS = 4;
const WORKERS = 2;
const CONCURRENCY = 10;
const POLL_MS = 500;


interface Engine {
  name: string;
  /** Prepares the engine on `url`; its workers take jobs once `gate` resolves; `started(id)` must be
   * called when a job's handler starts. */
  setup(url: string, started: (id: number) => void, gate: Promise<void>): Promise<{ enqueue(id: number): Promise<void>; stop(): Promise<void> }>;
}

const opsbookOutbox: Engine = {
  name: 'opsbook outbox + fencing',
  async setup(url, started, gate) {
    const stores: Store[] = [];
    const open = async (): Promise<Store> => {
      const s = await openStore({ url, poolSize: CONCURRENCY });
      stores.push(s);
      return s;
    };
    const main = await open();
    await main.migrate();
    await ensureLeases(main.db, ['checks/00']);
    const token = (await acquireLease(main.db, 'checks/00', 'bench', 3_600_000))!;
    let stopped = false;
    const loops: Array<Promise<void>> = [];
    for (let w = 0; w < WORKERS; w++) {
      const store = await open();
      const owner = `worker-${w}`;
      loops.push(
        (async () => {
          await gate;
          while (!stopped) {
            const rows = await claimDueOutbox(store.db, 'postgres', { now: Date.now(), owner, leaseMs: 60_000, limit: CONCURRENCY });
            if (rows.length === 0) {
              await new Promise((r) => setTimeout(r, POLL_MS));
              continue;
            }
            for (const r of rows) started(Number(r.payload));
            await store.db.transaction().execute(async (trx) => {
              // The fencing check of the settling transaction: the lease row FOR SHARE.
              await holdAndMark(trx, 'bench', [token]);
              await recordOutboxAttemptsIn(
                trx,
                rows.map((row) => ({ row, owner, result: { state: 'delivered' as const, at: Date.now() }, delivery: { id: newId('dl'), statusCode: 204, error: null, detail: null, durationMs: 1 } })),
              );
            });
          }
        })(),
      );
    }
    return {
      enqueue: async (id) => {
        const now = Date.now();
        await insertOutbox(main.db, {
          id: newId('msg'), channel_id: 'hook', event: 'incident.triggered', incident_id: null, dedup_key: null, payload: String(id), status: 'pending', created_at: now,
          due_at: now, attempts: 0, retry_from: now, retry_from_attempt: 0, lease_owner: null, delivered_at: null, dead_at: null, last_status: null, last_error: null,
        });
      },
      stop: async () => {
        stopped = true;
        await Promise.all(loops);
        await Promise.all(stores.map((s) => s.close()));
      },
    };
  },
};

/** pg-boss 10 through `work()`: its worker loop fetches one batch, runs the handler, then waits out
 * the rest of the polling interval (pg-boss src/worker.js) — one batch per interval per worker even
 * with a backlog, and the completion its own statement after the handler returns. */
const pgBossWork: Engine = {
  name: 'pg-boss 10 work()',
  async setup(url, started, gate) {
    const PgBoss = await loadPgBoss();
    const sender = new PgBoss({ connectionString: url, max: 4 });
    sender.on('error', () => {});
    await sender.start();
    await sender.createQueue('bench');
    const workers: PgBossLike[] = [];
    const starting = gate.then(async () => {
      for (let w = 0; w < WORKERS; w++) {
      const b = new PgBoss({ connectionString: url, max: CONCURRENCY, supervise: false, schedule: false, migrate: false });
      b.on('error', () => {});
      await b.start();
      await b.work('bench', { batchSize: CONCURRENCY, pollingIntervalSeconds: POLL_MS / 1000 }, async (jobs) => {
        for (const j of jobs) started(j.data.id);
      });
      workers.push(b);
      }
    });
    return {
      enqueue: async (id) => {
        await sender.send('bench', { id });
      },
      stop: async () => {
        await starting;
        for (const b of [...workers, sender]) await b.stop({ graceful: false, wait: true });
      },
    };
  },
};

/** pg-boss 10 used as opsbook's outbox is: each worker `fetch()`es a batch, fetches again at once
 * while jobs come back and polls when none do, and settles the batch in ONE transaction of opsbook's
 * store that takes the fencing lease row FOR SHARE, writes the delivery log and completes the jobs
 * with `complete(name, ids, null, { db })` — a stale worker's completion rolls back with its check. */
const pgBossFenced: Engine = {
  name: 'pg-boss 10 fetch + fenced complete',
  async setup(url, started, gate) {
    const PgBoss = await loadPgBoss();
    const sender = new PgBoss({ connectionString: url, max: 4 });
    sender.on('error', () => {});
    await sender.start();
    await sender.createQueue('bench');
    // The fencing lease lives in opsbook's tables on the same database.
    const main = await openStore({ url, poolSize: 2 });
    await main.migrate();
    await ensureLeases(main.db, ['checks/00']);
    const token = (await acquireLease(main.db, 'checks/00', 'bench', 3_600_000))!;
    const bosses: PgBossLike[] = [sender];
    const stores: Store[] = [main];
    let stopped = false;
    let fenced = 0;
    const loops: Array<Promise<void>> = [];
    for (let w = 0; w < WORKERS; w++) {
      const boss = new PgBoss({ connectionString: url, max: 2, supervise: false, schedule: false, migrate: false });
      boss.on('error', () => {});
      await boss.start();
      bosses.push(boss);
      const store = await openStore({ url, poolSize: CONCURRENCY });
      stores.push(store);
      loops.push(
        (async () => {
          await gate;
          while (!stopped) {
            const jobs = await boss.fetch('bench', { batchSize: CONCURRENCY });
            if (jobs.length === 0) {
              await new Promise((r) => setTimeout(r, POLL_MS));
              continue;
            }
            for (const j of jobs) started(j.data.id);
            await store.db.transaction().execute(async (trx) => {
              const held = await holdAndMark(trx, 'bench', [token]);
              if (held.size === 0) throw new Error('fencing: the lease moved; nothing of this batch may commit');
              const at = Date.now();
              for (const j of jobs) {
                await trx
                  .insertInto('deliveries')
                  .values({ id: newId('dl'), outbox_id: j.id, channel_id: 'hook', incident_id: null, attempt: 1, at, outcome: 'delivered', status_code: 204, error: null, detail: null, duration_ms: 1 })
                  .execute();
              }
              const r = await boss.complete('bench', jobs.map((j) => j.id), null, { db: bossDb(trx) });
              fenced += r.affected;
            });
          }
        })(),
      );
    }
    return {
      enqueue: async (id) => {
        await sender.send('bench', { id });
      },
      stop: async () => {
        stopped = true;
        await Promise.all(loops);
        const done = await main.db.executeQuery<{ n: string }>(CompiledQuery.raw(`select count(*) as n from pgboss.job where name = 'bench' and state = 'completed'`));
        const logged = await main.db.selectFrom('deliveries').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
        if (Number(done.rows[0]!.n) !== fenced || Number(logged.n) !== fenced) {
          throw new Error(`pg-boss fenced: ${fenced} completions counted, ${done.rows[0]!.n} jobs completed, ${logged.n} deliveries logged`);
        }
        for (const b of bosses) await b.stop({ graceful: false, wait: true });
        await Promise.all(stores.map((s) => s.close()));
      },
    };
  },
};

const graphileWorker: Engine = {
  name: 'graphile-worker 0.16',
  async setup(url, started, gate) {
    const gw = (await import(requireEngine.resolve('graphile-worker'))) as {
      run(o: object): Promise<{ stop(): Promise<void> }>;
      makeWorkerUtils(o: object): Promise<{ migrate(): Promise<void>; addJob(task: string, payload: object): Promise<unknown>; release(): Promise<void> }>;
      Logger: new (factory: () => () => void) => unknown;
    };
    const utils = await gw.makeWorkerUtils({ connectionString: url });
    await utils.migrate();
    const silent = new gw.Logger(() => () => {});
    const runners: Array<{ stop(): Promise<void> }> = [];
    const starting = gate.then(async () => {
      for (let w = 0; w < WORKERS; w++) {
      runners.push(
        await gw.run({
          connectionString: url,
          concurrency: CONCURRENCY,
          pollInterval: POLL_MS,
          noHandleSignals: true,
          logger: silent,
          taskList: { bench: async (payload: { id: number }) => started(payload.id) },
        }),
      );
      }
    });
    return {
      enqueue: async (id) => {
        await utils.addJob('bench', { id });
      },
      stop: async () => {
        await starting;
        for (const r of runners) await r.stop();
        await utils.release();
      },
    };
  },
};

interface Figures {
  name: string;
  jobsPerS: number;
  p50: number;
  p99: number;
  cpuMsPerJob: number;
}

/** `drain`: every job is enqueued before the workers start, and the clock runs from their start —
 * what the workers alone move, without the enqueuers' pace (pickup is then only the backlog). */
async function measure(engine: Engine, drain: boolean): Promise<Figures> {
  const db = await createTestDatabase('opsbook_bench_engines');
  try {
    const enqueuedAt = new Float64Array(JOBS);
    const pickup: number[] = [];
    let done = 0;
    let finish: () => void = () => {};
    const allDone = new Promise<void>((r) => (finish = r));
    const seen = new Uint8Array(JOBS);
    let open: () => void = () => {};
    const gate = new Promise<void>((r) => (open = r));
    if (!drain) open();
    const run = await engine.setup(db.url, (id) => {
      if (seen[id]) return;
      seen[id] = 1;
      pickup.push(performance.now() - enqueuedAt[id]!);
      if (++done === JOBS) finish();
    }, gate);
    let cpu0 = process.cpuUsage();
    let t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: ENQUEUERS }, async () => {
        while (next < JOBS) {
          const id = next++;
          enqueuedAt[id] = performance.now();
          await run.enqueue(id);
        }
      }),
    );
    if (drain) {
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      open();
    }
    await allDone;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await run.stop();
    pickup.sort((a, b) => a - b);
    return { name: `${engine.name}${drain ? ' (drain)' : ''}`, jobsPerS: JOBS / (ms / 1000), p50: pickup[Math.floor(pickup.length * 0.5)]!, p99: pickup[Math.floor(pickup.length * 0.99)]!, cpuMsPerJob: (cpu.user + cpu.system) / 1000 / JOBS };
  } finally {
    await db.drop();
  }
}

async function facts(): Promise<void> {
  const db = await createTestDatabase('opsbook_bench_engines');
  try {
    for (const line of [...(await clockFacts(db.url)), ...(await recoveryFacts(db.url)), GRAPHILE_WORKER_SETTLE]) console.log(`  ${line}`);
  } finally {
    await db.drop();
  }
}

const engines = [opsbookOutbox, pgBossWork, pgBossFenced, graphileWorker].filter((e) => !ONLY || e.name.includes(ONLY));
if (ONLY === 'facts') engines.length = 0;
console.log(`${JOBS} jobs, ${ENQUEUERS} enqueuers (one transaction per job), ${WORKERS} workers × concurrency ${CONCURRENCY}, poll ${POLL_MS} ms; load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
for (const drain of [false, true]) {
  // work() takes one batch per polling interval with or without a backlog: its drain is the same 40 jobs/s.
  const pass = drain ? engines.filter((e) => e !== pgBossWork) : engines;
  if (pass.length === 0) continue;
  console.log(drain ? `drain: all ${JOBS} jobs enqueued first, then the workers started (jobs/s from their start)` : 'enqueue and work together:');
  const results: Figures[] = [];
  for (const e of pass) {
    const f = await measure(e, drain);
    results.push(f);
    const pickup = drain ? '' : `pickup p50 ${f.p50.toFixed(0).padStart(5)} ms  p99 ${f.p99.toFixed(0).padStart(5)} ms   `;
    console.log(`  ${f.name.padEnd(44)} ${f.jobsPerS.toFixed(0).padStart(6)} jobs/s   ${pickup}CPU ${f.cpuMsPerJob.toFixed(2)} ms/job (this process)`);
  }
  const base = results[0];
  if (base && results.length > 1) {
    for (const r of results.slice(1)) console.log(`  ${r.name}: ${(r.jobsPerS / base.jobsPerS).toFixed(2)}× the throughput of ${base.name}, ${(r.cpuMsPerJob / base.cpuMsPerJob).toFixed(2)}× its CPU per job`);
  }
}
if (!ONLY || ONLY === 'facts') await facts();
process.exit(0);
