/**
 * `npm run bench:runbooks`: parse a corpus of 1,000 runbook files, classification included, and
 * print MB/s and the p99 time per file. The corpus is built from the seed runbooks: each file
 * takes sections from several seeds, renames the services, namespaces, hosts and numbers in them,
 * so files differ the way a team's runbooks differ, while keeping the shapes real runbooks have.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRunbook } from '../src/runbooks/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const seedDir = path.resolve(here, '../test/fixtures/runbooks/seeds');
const seeds = readdirSync(seedDir).sort().map((f) => readFileSync(path.join(seedDir, f), 'utf8'));

/** A small deterministic generator, so every run measures the same corpus. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SERVICES = ['billing', 'ledger', 'orders', 'search', 'gateway', 'payments', 'catalog', 'identity', 'reports', 'notify', 'ingest', 'media'];
const WORDS = /\b(novapulse|nxentra|apex|muejam|django-finance|acme|prod-redis|prod-db|tenant_acme)\b/g;

function sectionsOf(text: string): string[] {
  return text.split(/\n(?=## )/);
}

function corpusFile(i: number): string {
  const r = rng(i + 1);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const service = `${pick(SERVICES)}-${Math.floor(r() * 90) + 10}`;
  const parts: string[] = [`# ${service} operations runbook\n`];
  const count = 3 + Math.floor(r() * 5);
  for (let k = 0; k < count; k++) parts.push(pick(sectionsOf(pick(seeds)).slice(1)));
  return parts
    .join('\n')
    .replace(WORDS, () => service)
    .replace(/\b(\d{2,4})\b/g, (m) => String((Number(m) + i) % 10 ** m.length));
}

const files = Array.from({ length: Number(process.env.BENCH_FILES ?? 1000) }, (_, i) => corpusFile(i));
const bytes = files.reduce((n, f) => n + Buffer.byteLength(f), 0);

// Warm up the parsers (WASM, GopherJS) on a few other files first.
for (let i = 0; i < 20; i++) parseRunbook(corpusFile(5000 + i), { file: `warm-${i}.md` });

const times: number[] = [];
let blocks = 0;
const started = performance.now();
files.forEach((text, i) => {
  const t0 = performance.now();
  const rb = parseRunbook(text, { file: `runbooks/file-${i}.md` });
  times.push(performance.now() - t0);
  blocks += rb.blocks.length;
});
const total = (performance.now() - started) / 1000;
times.sort((a, b) => a - b);
const p = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
console.log(`runbooks: ${files.length} files, ${(bytes / 1e6).toFixed(2)} MB, ${blocks} code blocks`);
console.log(`throughput: ${(bytes / 1e6 / total).toFixed(2)} MB/s (${total.toFixed(2)} s)`);
console.log(`per file: p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`);
