/**
 * `npm run bench report`: what the operations report and the SLO and status pages cost on SQLite and
 * on PostgreSQL. Each store gets 12 checks × 35 days of results every 2 minutes (0.30 M), rolled up
 * and trimmed as the daemon does (raw results and minute rollups kept 7 days), and 5 SLOs. Times
 * the 7-day report (hourly burn-down steps), the 30-day report (daily steps), every SLO's status
 * (GET /api/slos), and a status page's 90 daily bars of every check; then the same report on a
 * store with the checks and SLOs configured but almost nothing measured yet.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/store.js';
import { insertResults, type StoredResult } from '../src/store/repos/check-history.js';
import * as history from '../src/checks/history/index.js';
import { opsConfigSchema } from '../src/config/index.js';
import { buildReport, slosNow } from '../src/slos/index.js';
import { createTestDatabase, postgresUp } from '../test/support/services.js';

const CHECKS = 12;
const DAYS = 35;
const EVERY = 120_000;
const DAY = 86_400_000;
const END = Date.UTC(2026, 3, 10, 14, 23);
const T0 = END - DAYS * DAY;
const ids = Array.from({ length: CHECKS }, (_, c) => `svc-${c}`);

const config = opsConfigSchema.parse({
  checks: ids.map((id) => ({ id, kind: 'tcp', host: '127.0.0.1', port: 1 })),
  slos: [
    { id: 'all-up', kind: 'availability', checks: ids, objective: '99.9%' },
    { id: 'front-up', kind: 'availability', checks: ids.slice(0, 3), objective: '99.5%' },
    ...ids.slice(0, 3).map((id) => ({ id: `${id}-fast`, kind: 'latency', checks: [id], threshold: '250ms', objective: '95%' })),
  ],
});

async function fill(store: Store): Promise<void> {
  let seed = 42;
  const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let at = T0; at < END; at += EVERY * 200) {
    const batch: StoredResult[] = [];
    for (let t = at; t < Math.min(END, at + EVERY * 200); t += EVERY) {
      for (const checkId of ids) batch.push({ checkId, at: t, down: rand() < 0.002, level: 0, latencyMs: Math.floor(5 + rand() * 400) });
    }
    await insertResults(store.db, batch, at);
  }
  await history.rollupAndRetain(store, END + 180_000);
}

/** Milliseconds per call: the median of `n` calls after one warm-up. */
async function time(n: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  return ms.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

/** A status page's bars: one window per check and day (window by window where windowStatsOf is absent). */
async function statusBars(store: Store): Promise<unknown> {
  const today = Math.floor(END / DAY) * DAY;
  const windows = ids.flatMap((checkId) => Array.from({ length: 90 }, (_, i) => ({ checkId, from: today - i * DAY, to: Math.min(END, today - i * DAY + DAY) })));
  const many = (history as Record<string, unknown>).windowStatsOf as ((s: Store, w: typeof windows, q: number[]) => Promise<unknown>) | undefined;
  if (many) return many(store, windows, []);
  const out = [];
  for (const w of windows) out.push(await history.windowStats(store, w.checkId, w.from, w.to, []));
  return out;
}

async function measure(name: string, store: Store, filled: boolean): Promise<void> {
  if (filled) {
    const t = performance.now();
    await fill(store);
    console.log(`${name}: ${((CHECKS * DAYS * DAY) / EVERY / 1e6).toFixed(2)} M results written and rolled up in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    console.log(`  7-day report, 5 SLOs, ${CHECKS} checks: ${(await time(5, () => buildReport(store, config, '7d', END))).toFixed(1)} ms`);
    console.log(`  30-day report: ${(await time(5, () => buildReport(store, config, '30d', END))).toFixed(1)} ms`);
    console.log(`  every SLO's status (GET /api/slos): ${(await time(5, () => slosNow(store, config, END))).toFixed(1)} ms`);
    console.log(`  status page bars, 90 days × ${CHECKS} checks: ${(await time(3, () => statusBars(store))).toFixed(1)} ms`);
  } else {
    await insertResults(store.db, ids.map((checkId) => ({ checkId, at: END - 300_000, down: false, level: 0, latencyMs: 12 })), END - 300_000);
    await history.rollupAndRetain(store, END + 180_000);
    console.log(`${name}, almost empty: 7-day report ${(await time(5, () => buildReport(store, config, '7d', END))).toFixed(1)} ms, 30-day ${(await time(5, () => buildReport(store, config, '30d', END))).toFixed(1)} ms`);
  }
}

for (const filled of [true, false]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-report-'));
  const sqlite = await openStore({ url: path.join(dir, 'report.db') });
  try {
    await sqlite.migrate();
    await measure('SQLite', sqlite, filled);
  } finally {
    await sqlite.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (!(await postgresUp())) {
    console.log('PostgreSQL: not reachable, skipped');
    continue;
  }
  const db = await createTestDatabase('opsbook_bench_report');
  const pg = await openStore({ url: db.url });
  try {
    await pg.migrate();
    await measure('PostgreSQL', pg, filled);
  } finally {
    await pg.close();
    await db.drop();
  }
}
