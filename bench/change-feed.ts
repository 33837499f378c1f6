/**
 * `npm run bench:feed`: how soon a change written by another connection (as a CLI in local mode or a
 * second opsbook writes) reaches a change-feed subscriber — the part of "acknowledged in a terminal,
 * shown on the open page" the store decides. SQLite polls every 250 ms (expect a mean near half of
 * that); PostgreSQL delivers NOTIFY at commit. Prints p50 / p90 / max per dialect; asserts nothing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { IncidentService } from '../src/incidents/index.js';
import { SystemClock } from '../src/lib/clock.js';
import { createScratchDatabase, openStore, type Store } from '../src/store/index.js';

const count = Number(process.env.BENCH_COUNT ?? 40);
const actor = { name: 'bench', role: 'responder' as const, via: 'cli' as const };

async function measure(url: string): Promise<number[]> {
  const reader = await openStore({ url });
  await reader.migrate();
  const writer: Store = await openStore({ url });
  const incidents = new IncidentService(writer, new SystemClock(), {});
  const waiting = new Map<string, (at: number) => void>();
  const off = reader.changes.subscribe((c) => waiting.get(c.id)?.(performance.now()));
  await reader.changes.ready();
  const { incident } = await incidents.create({ title: 'bench', severity: 'P3' }, actor);
  const took: number[] = [];
  for (let i = 0; i < count; i++) {
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 300)); // at a random phase of the poll
    const seen = new Promise<number>((resolve) => waiting.set(incident.id, resolve));
    const t0 = performance.now();
    await incidents.addNote(incident.id, actor, `note ${i}`);
    took.push((await seen) - t0);
  }
  off();
  await writer.close();
  await reader.close();
  return took.sort((a, b) => a - b);
}

function report(name: string, ms: number[]): void {
  const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!.toFixed(1);
  console.log(`${name.padEnd(10)} n=${ms.length}  p50 ${q(0.5)} ms  p90 ${q(0.9)} ms  max ${ms.at(-1)!.toFixed(1)} ms`);
}

// The feed's poll timer does not hold the process open (a daemon's server does); here this does.
const keepAlive = setInterval(() => {}, 1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-feed-'));
try {
  report('sqlite', await measure(path.join(dir, 'opsbook.db')));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
const admin = process.env.OPSBOOK_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
try {
  const db = await createScratchDatabase(admin, `opsbook_bench_feed_${process.pid}`);
  try {
    report('postgres', await measure(db.url));
  } finally {
    await db.drop();
  }
} catch (e) {
  console.log(`postgres   skipped: ${(e as Error).message}`);
}
clearInterval(keepAlive);
