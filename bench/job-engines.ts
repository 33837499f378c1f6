/**
 * `npm run bench:engines [-- --jobs N] [-- --only NAME]`: the shared work of a cluster (a
 * notification or escalation step enqueued in its own transaction, claimed by one of several
 * workers, completed) on PostgreSQL, through opsbook's own outbox (one UPDATE … FOR UPDATE SKIP
 * LOCKED claim; the completion and its fencing check — the lease row read FOR SHARE — in one
 * transaction), pg-boss 10 and graphile-worker 0.16 (installed in bench/engines, not opsbook
 * dependencies: `npm ci --prefix bench/engines` first).
 *
 * Each engine gets a fresh database; 4 concurrent enqueuers each add jobs one per transaction while
 * 2 workers (concurrency 10 each) take them; the run ends when every job has completed. Prints
 * jobs/s (enqueue → all done), the pickup delay p50/p99 (enqueued → handler started) and this
 * process's CPU ms per job (the engines' and the bench's JavaScript; PostgreSQL's own CPU is not in it),
 * with each engine as a ratio of opsbook's outbox measured in the same run.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase } from '../test/support/services.js';
import { openStore, claimDueOutbox, ensureLeases, acquireLease, holdAndMark, insertOutbox, recordOutboxAttemptsIn, type Store } from '../src/store/index.js';
import { newId } from '../src/lib/ids.js';

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);
const JOBS = Number(opt('jobs') ?? (args.includes('--quick') ? 2000 : 10_000));
const ONLY = opt('only');
const ENQUEUERS = 4;
const WORKERS = 2;
const CONCURRENCY = 10;
const POLL_MS = 500;

const here = path.dirname(fileURLToPath(import.meta.url));
const requireEngine = createRequire(path.join(here, 'engines', 'package.json'));

interface Engine {
  name: string;
  /** Prepares the engine on `url`; `started(id)` must be called when a job's handler starts. */
  setup(url: string, started: (id: number) => void): Promise<{ enqueue(id: number): Promise<void>; stop(): Promise<void> }>;
}

const opsbookOutbox: Engine = {
  name: 'opsbook outbox + fencing',
  async setup(url, started) {
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

const pgBoss: Engine = {
  name: 'pg-boss 10',
  async setup(url, started) {
    const { default: PgBoss } = (await import(requireEngine.resolve('pg-boss'))) as { default: new (o: object) => PgBossLike };
    const sender = new PgBoss({ connectionString: url, max: 4 });
    sender.on('error', () => {});
    await sender.start();
    await sender.createQueue('bench');
    const workers: PgBossLike[] = [];
    for (let w = 0; w < WORKERS; w++) {
      const b = new PgBoss({ connectionString: url, max: CONCURRENCY, supervise: false, schedule: false, migrate: false });
      b.on('error', () => {});
      await b.start();
      await b.work('bench', { batchSize: CONCURRENCY, pollingIntervalSeconds: POLL_MS / 1000 }, async (jobs: Array<{ data: { id: number } }>) => {
        for (const j of jobs) started(j.data.id);
      });
      workers.push(b);
    }
    return {
      enqueue: async (id) => {
        await sender.send('bench', { id });
      },
      stop: async () => {
        for (const b of [...workers, sender]) await b.stop({ graceful: false, wait: true });
      },
    };
  },
};

interface PgBossLike {
  on(e: string, f: (e: unknown) => void): void;
  start(): Promise<unknown>;
  stop(o: object): Promise<void>;
  createQueue(name: string): Promise<void>;
  send(name: string, data: object): Promise<unknown>;
  work(name: string, o: object, f: (jobs: Array<{ data: { id: number } }>) => Promise<void>): Promise<string>;
}

const graphileWorker: Engine = {
  name: 'graphile-worker 0.16',
  async setup(url, started) {
    const gw = (await import(requireEngine.resolve('graphile-worker'))) as {
      run(o: object): Promise<{ stop(): Promise<void> }>;
      makeWorkerUtils(o: object): Promise<{ migrate(): Promise<void>; addJob(task: string, payload: object): Promise<unknown>; release(): Promise<void> }>;
      Logger: new (factory: () => () => void) => unknown;
    };
    const utils = await gw.makeWorkerUtils({ connectionString: url });
    await utils.migrate();
    const silent = new gw.Logger(() => () => {});
    const runners: Array<{ stop(): Promise<void> }> = [];
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
    return {
      enqueue: async (id) => {
        await utils.addJob('bench', { id });
      },
      stop: async () => {
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

async function measure(engine: Engine): Promise<Figures> {
  const db = await createTestDatabase('opsbook_bench_engines');
  try {
    const enqueuedAt = new Float64Array(JOBS);
    const pickup: number[] = [];
    let done = 0;
    let finish: () => void = () => {};
    const allDone = new Promise<void>((r) => (finish = r));
    const seen = new Uint8Array(JOBS);
    const run = await engine.setup(db.url, (id) => {
      if (seen[id]) return;
      seen[id] = 1;
      pickup.push(performance.now() - enqueuedAt[id]!);
      if (++done === JOBS) finish();
    });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
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
    await allDone;
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    await run.stop();
    pickup.sort((a, b) => a - b);
    return { name: engine.name, jobsPerS: JOBS / (ms / 1000), p50: pickup[Math.floor(pickup.length * 0.5)]!, p99: pickup[Math.floor(pickup.length * 0.99)]!, cpuMsPerJob: (cpu.user + cpu.system) / 1000 / JOBS };
  } finally {
    await db.drop();
  }
}

const engines = [opsbookOutbox, pgBoss, graphileWorker].filter((e) => !ONLY || e.name.includes(ONLY));
console.log(`${JOBS} jobs, ${ENQUEUERS} enqueuers (one transaction per job), ${WORKERS} workers × concurrency ${CONCURRENCY}, poll ${POLL_MS} ms; load ${(await import('node:os')).loadavg()[0]!.toFixed(1)}`);
const results: Figures[] = [];
for (const e of engines) {
  const f = await measure(e);
  results.push(f);
  console.log(`  ${f.name.padEnd(26)} ${f.jobsPerS.toFixed(0).padStart(6)} jobs/s   pickup p50 ${f.p50.toFixed(0).padStart(5)} ms  p99 ${f.p99.toFixed(0).padStart(5)} ms   CPU ${f.cpuMsPerJob.toFixed(2)} ms/job (this process)`);
}
const base = results[0];
if (base && results.length > 1) {
  for (const r of results.slice(1)) console.log(`  ${r.name}: ${(r.jobsPerS / base.jobsPerS).toFixed(2)}× the throughput of ${base.name}, ${(r.cpuMsPerJob / base.cpuMsPerJob).toFixed(2)}× its CPU per job`);
}
process.exit(0);
