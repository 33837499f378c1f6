/**
 * Samples/s ingested into the sample store: scrapes of 2,000 series every 15 s for an hour of simulated time,
 * appended through `appendScrape` (staleness bookkeeping included) and flushed to the store after every scrape,
 * as the daemon does with `samples.flush_interval` equal to the scrape interval, so open chunk windows are
 * rewritten each time and closed ones written once. Measured on SQLite (a temp file) and on PostgreSQL when it is up.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SimulatedClock } from '../src/lib/clock.js';
import { SampleStore } from '../src/samples/index.js';
import { openStore, type Store } from '../src/store/index.js';
import { createTestDatabase, postgresUp } from '../test/support/services.js';

const SERIES = 2_000;
const SCRAPES = 240;
const STEP = 15_000;

async function ingest(store: Store): Promise<{ perSecond: number; bytesPerSample: number }> {
  await store.migrate();
  const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
  const samples = await SampleStore.open(store, clock);
  const labels = Array.from({ length: SERIES }, (_, i) => ({ __name__: `app_requests_${i % 40}_total`, job: 'bench', instance: `i${Math.floor(i / 40)}` }));
  const values = labels.map(() => 0);
  const start = performance.now();
  for (let p = 0; p < SCRAPES; p++) {
    const scrape = labels.map((l, k) => ({ labels: l, value: (values[k]! += (k % 7) + (p % 3)) }));
    samples.appendScrape('bench', clock.now(), scrape);
    await samples.flush();
    await clock.advance(STEP);
  }
  await samples.stop();
  const seconds = (performance.now() - start) / 1000;
  const bytes = await store.db.selectFrom('sample_chunks').select(({ fn }) => [fn.sum<number>('count').as('n')]).executeTakeFirstOrThrow();
  const size = await store.db.selectFrom('sample_chunks').select(['data']).execute();
  const total = size.reduce((a, r) => a + r.data.length, 0);
  return { perSecond: (SERIES * SCRAPES) / seconds, bytesPerSample: total / Number(bytes.n) };
}

export async function sampleIngestLines(): Promise<string[]> {
  const lines: string[] = [];
  const fmt = (r: { perSecond: number; bytesPerSample: number }) =>
    `${Math.round(r.perSecond).toLocaleString('en-US')} samples/s, ${r.bytesPerSample.toFixed(2)} bytes a sample in chunks`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-samples-'));
  try {
    const store = await openStore({ url: path.join(dir, 'opsbook.db') });
    try {
      lines.push(`ingest into the sample store on SQLite (${SERIES.toLocaleString('en-US')} series, flushed every scrape): ${fmt(await ingest(store))}`);
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (await postgresUp()) {
    const db = await createTestDatabase('opsbook_bench_samples');
    try {
      const store = await openStore({ url: db.url });
      try {
        lines.push(`ingest into the sample store on PostgreSQL (same): ${fmt(await ingest(store))}`);
      } finally {
        await store.close();
      }
    } finally {
      await db.drop();
    }
  } else lines.push('ingest on PostgreSQL: skipped (PostgreSQL is not up)');
  return lines;
}
