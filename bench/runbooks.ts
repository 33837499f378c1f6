/**
 * `npm run bench:runbooks`: parse a corpus of 1,000 runbook files, classification included, and
 * print MB/s and the p99 time per file: first with the reader's caches off (the figure held
 * against the target), then with them on, starting empty, so a cache is never what makes the
 * figure. The corpus (`support/runbook-corpus.ts`) is built from the seed runbooks.
 */
import MarkdownIt from 'markdown-it';
import { parseRunbook } from '../src/runbooks/index.js';
import { cacheStats, setSpeedups } from '../src/runbooks/speedups.js';
import { corpusFile } from './support/runbook-corpus.js';

const files = Array.from({ length: Number(process.env.BENCH_FILES ?? 1000) }, (_, i) => corpusFile(i));
const bytes = files.reduce((n, f) => n + Buffer.byteLength(f), 0);

interface Pass {
  seconds: number;
  times: number[];
  blocks: number;
  /** Counts of block and command effects and the sum of command lines: both passes must read the corpus the same way. */
  digest: string;
}

const EFFECTS = ['read', 'unknown', 'write', 'destructive'];

function run(caches: boolean): Pass {
  setSpeedups({ caches });
  // Warm up the parsers (WASM, GopherJS) and the JIT on other files, then start with empty caches.
  for (let i = 0; i < 20; i++) parseRunbook(corpusFile(5000 + i), { file: `warm-${i}.md` });
  setSpeedups({ caches });
  const times: number[] = [];
  const counts = new Array<number>(2 * EFFECTS.length).fill(0);
  let lineSum = 0;
  let blocks = 0;
  const started = performance.now();
  files.forEach((text, i) => {
    const t0 = performance.now();
    const rb = parseRunbook(text, { file: `runbooks/file-${i}.md` });
    times.push(performance.now() - t0);
    blocks += rb.blocks.length;
    for (const b of rb.blocks) {
      counts[EFFECTS.indexOf(b.effect)]!++;
      for (const c of b.commands) {
        counts[EFFECTS.length + EFFECTS.indexOf(c.effect)]!++;
        lineSum += c.line;
      }
    }
  });
  const seconds = (performance.now() - started) / 1000;
  times.sort((a, b) => a - b);
  return { seconds, times, blocks, digest: `${counts.join()} ${lineSum}` };
}

function report(label: string, pass: Pass): string {
  const p = (q: number): number => pass.times[Math.min(pass.times.length - 1, Math.floor(q * pass.times.length))]!;
  return `${label}: ${(bytes / 1e6 / pass.seconds).toFixed(2)} MB/s (${pass.seconds.toFixed(2)} s), per file p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${pass.times[pass.times.length - 1]!.toFixed(1)} ms`;
}

// Caches off first: the figure held against the target is the one no cache helps.
const off = run(false);
const on = run(true);
const stats = cacheStats();
const lookups = stats.hits + stats.misses;
console.log(`runbooks: ${files.length} files, ${(bytes / 1e6).toFixed(2)} MB, ${on.blocks} code blocks`);
console.log(report('caches off', off));
console.log(`${report('caches on ', on)} (block and shell-paragraph caches, started empty: ${((100 * stats.hits) / Math.max(lookups, 1)).toFixed(0)}% of ${lookups} lookups hit)`);
console.log(`same results with and without caches: ${off.digest === on.digest && off.blocks === on.blocks ? 'yes' : 'NO'}`);
console.log(`target 2 MB/s, caches off: ${bytes / 1e6 / off.seconds >= 2 ? 'met' : 'not met'}`);

// The peer: markdown-it's raw parse of the same corpus in the same process (tokens only, no
// classification), the floor any markdown reader pays. The reader must keep a third of its rate.
const md = new MarkdownIt({ html: true, linkify: false });
for (let i = 0; i < 20; i++) md.parse(corpusFile(5000 + i), {});
const peerStart = performance.now();
for (const text of files) md.parse(text, {});
const peerSeconds = (performance.now() - peerStart) / 1000;
const peerRate = bytes / 1e6 / peerSeconds;
const ratio = bytes / 1e6 / off.seconds / peerRate;
console.log(`markdown-it raw parse (peer, same corpus): ${peerRate.toFixed(2)} MB/s; reader with caches off: ${ratio.toFixed(2)}× of it (target ≥ 0.33×: ${ratio >= 0.33 ? 'met' : 'not met'})`);
