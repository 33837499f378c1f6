/**
 * `npm run bench slo`: what SLOs cost on SQLite. 20 checks × 30 days at 30 s (1.7 M results),
 * rolled up; then the time of a 30-day SLI read from rollups, of an SLO's status (window plus
 * eight burn-rate windows), of the evaluator's first tick (loads 3 days of minutes) and of a
 * steady tick, and of building the 30-day report.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore } from '../src/store/open.js';
import { insertResults, type StoredResult } from '../src/store/repos/check-history.js';
import { rollupAndRetain } from '../src/checks/history/index.js';
import { SimulatedClock } from '../src/lib/clock.js';
import { opsConfigSchema } from '../src/config/index.js';
import { SloEvaluator, buildReport, readEvents, slosFromConfig, sloStatus } from '../src/slos/index.js';

const CHECKS = 20;
const DAYS = 30;
const T0 = Date.UTC(2026, 3, 1);
const END = T0 + DAYS * 86_400_000;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-slo-'));
const store = await openStore({ url: path.join(dir, 'slo.db') });
await store.migrate();
let seed = 42;
const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
const started = performance.now();
for (let at = T0; at < END; at += 30_000 * 100) {
  const batch: StoredResult[] = [];
  for (let t = at; t < Math.min(END, at + 30_000 * 100); t += 30_000) {
    for (let c = 0; c < CHECKS; c++) batch.push({ checkId: `svc-${c}`, at: t, down: rand() < 0.0005, level: 0, latencyMs: Math.floor(5 + rand() * 400) });
  }
  await insertResults(store.db, batch, at);
}
await rollupAndRetain(store, END + 180_000, { rawMs: 400 * 86_400_000 });
console.log(`setup: ${((CHECKS * DAYS * 2880) / 1e6).toFixed(2)} M results written and rolled up in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const config = opsConfigSchema.parse({
  checks: Array.from({ length: CHECKS }, (_, c) => ({ id: `svc-${c}`, kind: 'tcp', host: '127.0.0.1', port: 1 })),
  slos: [
    { id: 'all-up', kind: 'availability', checks: Array.from({ length: CHECKS }, (_, c) => `svc-${c}`), objective: '99.9%' },
    ...Array.from({ length: CHECKS }, (_, c) => ({ id: `svc-${c}-fast`, kind: 'latency', checks: [`svc-${c}`], threshold: '250ms', objective: '60%' })),
  ],
});
const { slos } = slosFromConfig(config);

async function time(label: string, n: number, fn: () => Promise<unknown>): Promise<void> {
  const t = performance.now();
  for (let i = 0; i < n; i++) await fn();
  console.log(`${label}: ${((performance.now() - t) / n).toFixed(2)} ms`);
}

await time('30-day SLI of one check, from rollups', 20, () => readEvents(store, slos[1]!, END - 30 * 86_400_000 + 37 * 60_000, END));
await time(`30-day SLI summed over ${CHECKS} checks`, 10, () => readEvents(store, slos[0]!, END - 30 * 86_400_000, END));
await time('SLO status (window + 8 burn-rate windows), one check', 10, () => sloStatus(store, slos[1]!, END));
const clock = new SimulatedClock(END);
const evaluator = await SloEvaluator.open(store, clock, slos);
await time(`evaluator first tick, ${slos.length} SLOs (loads 4 days of minutes each)`, 1, () => evaluator.tick(END - 86_400_000));
let minute = END - 86_400_000;
await time(`evaluator steady tick, ${slos.length} SLOs`, 1000, () => evaluator.tick((minute += 60_000)));
await time(`30-day report, ${slos.length} SLOs, ${CHECKS} checks`, 1, () => buildReport(store, config, '30d', END));
await store.close();
fs.rmSync(dir, { recursive: true, force: true });
