/**
 * `npm run bench history`: bytes per stored check result on SQLite and PostgreSQL. Writes 100,000
 * results (100 checks × 1,000 runs, 30 s apart; latencies 5–300 ms; 2% failures with three error
 * texts; a third of the checks carry a value such as a queue length), compacts, and measures the
 * results table (SQLite: dbstat pages; PostgreSQL: pg_total_relation_size with its index) and the
 * whole SQLite file. Target on SQLite: ≤ 64 B per result.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { insertResults, type StoredResult } from '../src/store/repos/check-history.js';
import { rollupAndRetain } from '../src/checks/history/index.js';
import { createTestDatabase, postgresUp } from '../test/support/services.js';

const CHECKS = 100;
const RUNS = 1000;
const T0 = Date.UTC(2026, 0, 1);
const ERRORS = ['connect ECONNREFUSED 10.0.0.7:5432', 'timeout after 10s', 'getaddrinfo ENOTFOUND api.internal'];

function* results(): Generator<StoredResult[]> {
  let seed = 42;
  const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let run = 0; run < RUNS; run++) {
    const batch: StoredResult[] = [];
    for (let c = 0; c < CHECKS; c++) {
      const failed = rand() < 0.02;
      batch.push({
        checkId: `service-${c}-health`,
        at: T0 + run * 30_000 + c * 300 + Math.floor(rand() * 5),
        down: failed,
        level: failed ? 2 : rand() < 0.05 ? 1 : 0,
        latencyMs: failed ? 10_000 : 5 + Math.floor(rand() * rand() * 300),
        value: c % 3 === 0 ? Math.floor(rand() * 1500) : null,
        error: failed ? ERRORS[Math.floor(rand() * ERRORS.length)]! : null,
      });
    }
    yield batch;
  }
}

async function fill(store: Store): Promise<number> {
  await store.migrate();
  const started = performance.now();
  let pending: StoredResult[] = [];
  for (const b of results()) {
    pending.push(...b);
    if (pending.length >= 2000) {
      await insertResults(store.db, pending, T0);
      pending = [];
    }
  }
  await insertResults(store.db, pending, T0);
  return performance.now() - started;
}

const total = CHECKS * RUNS;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-history-'));
try {
  const file = path.join(dir, 'history.db');
  const store = await openStore({ url: file });
  const ms = await fill(store);
  await sql`vacuum`.execute(store.db);
  const pages = await sql<{ bytes: number }>`select sum(pgsize) as bytes from dbstat where name = 'check_results'`.execute(store.db);
  const tableBytes = Number(pages.rows[0]?.bytes ?? 0);
  await rollupAndRetain(store, T0 + RUNS * 30_000 + 3_600_000, { rawMs: 10 * 365 * 86_400_000 });
  await sql`vacuum`.execute(store.db);
  const rollupPages = await sql<{ bytes: number }>`select sum(pgsize) as bytes from dbstat where name = 'check_rollups'`.execute(store.db);
  await store.close();
  const fileBytes = fs.statSync(file).size;
  console.log(
    `SQLite: ${(tableBytes / total).toFixed(1)} B/result in check_results (${total} results, ${(tableBytes / 1e6).toFixed(2)} MB), ` +
      `${(fileBytes / total).toFixed(1)} B/result for the whole file with rollups (rollups ${(Number(rollupPages.rows[0]?.bytes ?? 0) / 1e6).toFixed(2)} MB); ` +
      `written at ${Math.round(total / (ms / 1000))} results/s in batches of 2,000`,
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

if (await postgresUp()) {
  const db = await createTestDatabase('opsbook_bench_history');
  try {
    const store = await openStore({ url: db.url });
    const ms = await fill(store);
    await sql`vacuum full check_results`.execute(store.db);
    const r = await sql<{ total: number; heap: number }>`select pg_total_relation_size('check_results') as total, pg_relation_size('check_results') as heap`.execute(store.db);
    await store.close();
    const t = Number(r.rows[0]?.total ?? 0);
    const heap = Number(r.rows[0]?.heap ?? 0);
    console.log(
      `PostgreSQL: ${(t / total).toFixed(1)} B/result with the primary-key index (${(heap / total).toFixed(1)} B heap alone); ` +
        `written at ${Math.round(total / (ms / 1000))} results/s`,
    );
  } finally {
    await db.drop();
  }
} else console.log('PostgreSQL: not reachable, skipped');
