/**
 * `npm run bench:runbooks`: parse a corpus of 1,000 runbook files, classification included, and
 * print MB/s and the p99 time per file: first with the reader's caches off (the figure held
 * against the target), then with them on, starting empty, so a cache is never what makes the
 * figure. The corpus (`support/runbook-corpus.ts`) is built from the seed runbooks.
 *
 * What is measured is what `opsbook runbook lint`, `runbook show` and the daemon do with each file
 * once its text is read: `parseRunbook` — markdown, sections, procedures and phases, every code
 * block classified with its commands' effects. Left out: reading the file from disk (`stat`,
 * `readFile`) and the lint rules run on the parsed runbook afterwards.
 *
 * The peer is markdown-it's raw parse of the same corpus (tokens only, no classification), the
 * floor any markdown reader pays; the reader must keep a third of its rate. Both are warmed up on
 * files outside the corpus, then timed in alternating rounds (reader, peer, reader, peer…) so load
 * on the machine falls on both alike; the ratio is taken from process CPU time (the reader's
 * garbage collection included), and its median over the rounds is the figure held against the target.
 */
import MarkdownIt from 'markdown-it';
import { parseRunbook } from '../src/runbooks/index.js';
import { cacheStats, setSpeedups } from '../src/runbooks/speedups.js';
import { corpusFile } from './support/runbook-corpus.js';

const files = Array.from({ length: Number(process.env.BENCH_FILES ?? 1000) }, (_, i) => corpusFile(i));
const bytes = files.reduce((n, f) => n + Buffer.byteLength(f), 0);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
/** Files outside the corpus that warm up the parsers (WASM, GopherJS) and the JIT. */
const warmUp = Array.from({ length: Number(process.env.BENCH_WARMUP ?? 200) }, (_, i) => corpusFile(5000 + i));

interface Pass {
  seconds: number;
  cpuSeconds: number;
  times: number[];
  blocks: number;
  /** Counts of block and command effects and the sum of command lines: both passes must read the corpus the same way. */
  digest: string;
}

const EFFECTS = ['read', 'unknown', 'write', 'destructive'];

function cpuSince(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1e6;
}

function read(): Pass {
  const times: number[] = [];
  const counts = new Array<number>(2 * EFFECTS.length).fill(0);
  let lineSum = 0;
  let blocks = 0;
  const cpu = process.cpuUsage();
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
  const cpuSeconds = cpuSince(cpu);
  times.sort((a, b) => a - b);
  return { seconds, cpuSeconds, times, blocks, digest: `${counts.join()} ${lineSum}` };
}

const md = new MarkdownIt({ html: true, linkify: false });

function peer(): { seconds: number; cpuSeconds: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (const text of files) md.parse(text, {});
  return { seconds: (performance.now() - started) / 1000, cpuSeconds: cpuSince(cpu) };
}

function report(label: string, pass: Pass): string {
  const p = (q: number): number => pass.times[Math.min(pass.times.length - 1, Math.floor(q * pass.times.length))]!;
  return `${label}: ${(bytes / 1e6 / pass.seconds).toFixed(2)} MB/s (${pass.seconds.toFixed(2)} s), per file p50 ${p(0.5).toFixed(1)} ms, p99 ${p(0.99).toFixed(1)} ms, max ${pass.times[pass.times.length - 1]!.toFixed(1)} ms`;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

// Caches off first: the figures held against the targets are the ones no cache helps.
setSpeedups({ caches: false });
for (const [i, text] of warmUp.entries()) parseRunbook(text, { file: `warm-${i}.md` });
for (const text of warmUp) md.parse(text, {});
const offRounds: Pass[] = [];
const peerRounds: { seconds: number; cpuSeconds: number }[] = [];
for (let r = 0; r < rounds; r++) {
  offRounds.push(read());
  peerRounds.push(peer());
}
const off = offRounds.reduce((a, b) => (b.seconds < a.seconds ? b : a));
const sameOff = offRounds.every((p) => p.digest === off.digest && p.blocks === off.blocks);

setSpeedups({ caches: true });
const on = read();
const stats = cacheStats();
const lookups = stats.hits + stats.misses;

console.log(`runbooks: ${files.length} files, ${(bytes / 1e6).toFixed(2)} MB, ${on.blocks} code blocks; ${warmUp.length} other files to warm up, ${rounds} rounds with caches off`);
console.log('measured: parseRunbook on text in memory — markdown, sections, procedures, phases, tables, links, every code block classified; left out: reading the files from disk and the lint rules run afterwards');
console.log('caches off: no parse or classification is kept from one block or file for another (every command is read and classified); within one file, what each heading says as a phase is worked out once');
console.log(`${report('caches off', off)} (fastest of ${rounds} rounds)`);
console.log(`${report('caches on ', on)} (block and shell-paragraph caches, started empty: ${((100 * stats.hits) / Math.max(lookups, 1)).toFixed(0)}% of ${lookups} lookups hit)`);
console.log(`same results with and without caches: ${sameOff && off.digest === on.digest && off.blocks === on.blocks ? 'yes' : 'NO'}`);
console.log(`target 2 MB/s, caches off: ${bytes / 1e6 / off.seconds >= 2 ? 'met' : 'not met'}`);

const ratios = offRounds.map((p, r) => peerRounds[r]!.cpuSeconds / p.cpuSeconds);
const ratio = median(ratios);
const peerRate = bytes / 1e6 / median(peerRounds.map((p) => p.cpuSeconds));
const readerRate = bytes / 1e6 / median(offRounds.map((p) => p.cpuSeconds));
console.log(`rounds (CPU s, reader caches off / markdown-it): ${offRounds.map((p, r) => `${p.cpuSeconds.toFixed(2)}/${peerRounds[r]!.cpuSeconds.toFixed(2)} = ${ratios[r]!.toFixed(3)}×`).join(', ')}`);
console.log(`markdown-it raw parse (peer, same corpus): ${peerRate.toFixed(2)} MB/s of CPU; reader with caches off: ${readerRate.toFixed(2)} MB/s of CPU, ${ratio.toFixed(2)}× of it, median of ${rounds} rounds (target ≥ 0.33×: ${ratio >= 0.33 ? 'met' : 'not met'})`);
