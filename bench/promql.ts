/**
 * `npm run bench:promql`: evaluates 1,000 alert-rule expressions over 10,000 series (samples every 15 s for 30
 * minutes) with opsbook's PromQL evaluator, beside the hand-written computations of the `metrics` check kind on the
 * same data (which see only the current scrape and the one before, so they answer the rate and quantile rules
 * from two snapshots, not from a 5-minute window). Also prints the rate at which samples are appended to the
 * in-memory series source. Then the samples/s ingested into the sample store, persisting chunks included,
 * on SQLite and PostgreSQL (bench/samples-ingest.ts). Left out: scraping and parsing the exposition text.
 */
import { performance } from 'node:perf_hooks';
import { pick, sum, increase, snapshot, histogramQuantile, bucketsByLe } from './metrics-hand-written.js';
import type { Sample as ExpositionSample } from '../src/checks/kinds/metrics/exposition.js';
import { parseSelector } from '../src/checks/kinds/metrics/selector.js';
import { Engine, MemorySeriesSource, parseExpr, type Expr } from '../src/promql/index.js';
import { sampleIngestLines } from './samples-ingest.js';

const METRICS = 40;
const JOBS = 10;
const INSTANCES = 20;
const BUCKETS = ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
const STEP = 15_000;
const POINTS = 120;
const END = (POINTS - 1) * STEP;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// 40 metrics × 10 jobs × 20 instances = 8,000 counter series, + 2 histograms × 10 jobs × 7 buckets × 20 instances = 2,800.
const source = new MemorySeriesSource();
const r = rng(7);
const labelSets: { labels: Record<string, string>; counter: boolean }[] = [];
for (let m = 0; m < METRICS; m++) {
  for (let j = 0; j < JOBS; j++) for (let i = 0; i < INSTANCES; i++) labelSets.push({ labels: { __name__: `app_requests_${m}_total`, job: `job${j}`, instance: `i${i}` }, counter: true });
}
for (let h = 0; h < 2; h++) {
  for (let j = 0; j < JOBS; j++) {
    for (let i = 0; i < INSTANCES; i++) for (const le of BUCKETS) labelSets.push({ labels: { __name__: `app_latency_${h}_seconds_bucket`, job: `job${j}`, instance: `i${i}`, le }, counter: true });
  }
}
const values = labelSets.map(() => 0);
const appendStart = performance.now();
let appended = 0;
const scrapes: ExpositionSample[][] = [];
for (let p = 0; p < POINTS; p++) {
  const scrape: ExpositionSample[] = [];
  labelSets.forEach((ls, k) => {
    values[k]! += ls.labels.le ? (ls.labels.le === '+Inf' ? 10 : Number(ls.labels.le) * 8) : r() * 10;
    source.add(ls.labels, p * STEP, values[k]!);
    appended++;
    if (p >= POINTS - 2) {
      const { __name__, ...labels } = ls.labels;
      scrape.push({ name: __name__!, labels, value: values[k]! });
    }
  });
  if (p >= POINTS - 2) scrapes.push(scrape);
}
const appendMs = performance.now() - appendStart;

// 1,000 rules, four shapes a team writes.
const rules: { expr: string; kind: 'gauge' | 'rate' | 'sum-rate' | 'quantile'; metric: string; job: string }[] = [];
for (let k = 0; k < 1000; k++) {
  const m = k % METRICS;
  const job = `job${k % JOBS}`;
  switch (k % 4) {
    case 0:
      rules.push({ expr: `sum(app_requests_${m}_total{job="${job}"}) > 1000`, kind: 'gauge', metric: `app_requests_${m}_total`, job });
      break;
    case 1:
      rules.push({ expr: `sum(rate(app_requests_${m}_total{job="${job}"}[5m])) > 50`, kind: 'rate', metric: `app_requests_${m}_total`, job });
      break;
    case 2:
      rules.push({ expr: `sum by (instance) (rate(app_requests_${m}_total{job="${job}"}[5m])) > 5`, kind: 'sum-rate', metric: `app_requests_${m}_total`, job });
      break;
    default:
      rules.push({ expr: `histogram_quantile(0.99, sum by (le) (rate(app_latency_${k % 2}_seconds_bucket{job="${job}"}[5m]))) > 0.5`, kind: 'quantile', metric: `app_latency_${k % 2}_seconds_bucket`, job });
  }
}

const engine = new Engine(source);
const parseStart = performance.now();
const parsed: Expr[] = rules.map((rule) => parseExpr(rule.expr));
const parseMs = performance.now() - parseStart;

function timeRounds(fn: () => void, rounds: number): number {
  fn(); // warm-up
  const start = performance.now();
  for (let i = 0; i < rounds; i++) fn();
  return (performance.now() - start) / rounds;
}

let firing = 0;
const evalMs = timeRounds(() => {
  firing = 0;
  for (const e of parsed) {
    const v = engine.instant(e, END);
    if (v.kind === 'vector' && v.samples.length > 0) firing++;
  }
}, 3);

const [prevScrape, curScrape] = scrapes as [ExpositionSample[], ExpositionSample[]];
const selectors = rules.map((rule) => parseSelector(`${rule.metric}{job="${rule.job}"}`)!);
let handFiring = 0;
const handMs = timeRounds(() => {
  handFiring = 0;
  rules.forEach((rule, k) => {
    const cur = pick(curScrape, selectors[k]!);
    if (rule.kind === 'gauge') {
      if (sum(cur) > 1000) handFiring++;
      return;
    }
    const prev = snapshot(pick(prevScrape, selectors[k]!));
    if (rule.kind === 'quantile') {
      const q = histogramQuantile(0.99, bucketsByLe(cur, prev));
      if (q !== undefined && q > 0.5) handFiring++;
      return;
    }
    if (increase(prev, cur) / (STEP / 1000) > 50) handFiring++;
  });
}, 3);

const fmt = (n: number) => n.toFixed(1);
console.log(`series ${source.size.toLocaleString('en-US')}, samples ${appended.toLocaleString('en-US')} (every 15 s for 30 min)`);
console.log(`append into the in-memory source: ${Math.round(appended / (appendMs / 1000)).toLocaleString('en-US')} samples/s`);
console.log(`parse 1,000 rule expressions: ${fmt(parseMs)} ms`);
console.log(`PromQL evaluator, 1,000 rules at one instant: ${fmt(evalMs)} ms (${fmt((evalMs * 1000) / rules.length)} µs a rule), ${firing} firing`);
console.log(`hand-written metrics computation, same rules from the last two scrapes: ${fmt(handMs)} ms, ${handFiring} firing`);
console.log(`ratio evaluator / hand-written: ${(evalMs / handMs).toFixed(1)}× (the evaluator reads 5-minute windows of stored samples; the hand-written path two scrapes)`);
for (const line of await sampleIngestLines()) console.log(line);
