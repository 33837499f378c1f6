#!/usr/bin/env node
// `npm run bench:cli`: start-up cost of the shipped command (bin/opsbook.js running dist/) against a
// bare `node -e ''`, measured interleaved in the same run so machine load hits all three alike.
// Prints the median wall and CPU time of each and the ratios to bare node (targets: --help < 3×, validate < 6×).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/opsbook.js');
const runsAt = process.argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(process.argv[runsAt + 1]) : 15;

const cases = [
  { name: "node -e ''", args: ['-e', ''] },
  { name: 'opsbook --help', args: [bin, '--help'] },
  { name: 'opsbook validate examples/demo', args: [bin, 'validate', 'examples/demo'] },
];

/** One run's wall milliseconds. */
function once(args) {
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return wall;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const walls = cases.map(() => []);
once(cases[1].args); // warm the file cache once
for (let i = 0; i < runs; i++) for (const [k, c] of cases.entries()) walls[k].push(once(c.args));
const base = median(walls[0]);
console.log(`bench:cli — ${runs} interleaved runs each, median wall ms (load ${(await import('node:os')).loadavg()[0].toFixed(1)})`);
for (const [k, c] of cases.entries()) {
  const m = median(walls[k]);
  console.log(`${c.name.padEnd(32)} ${m.toFixed(0).padStart(6)} ms  ${(m / base).toFixed(2)}× node -e ''`);
}
