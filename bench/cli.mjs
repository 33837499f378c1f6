#!/usr/bin/env node
// `npm run bench:cli`: start-up cost of the shipped command (bin/opsbook.js running dist/) against a
// bare `node -e ''`, measured interleaved in the same run so machine load hits every command alike.
// Prints the median wall time of each and its ratio to bare node (targets: --help < 3×, validate < 6×).
// `oncall now` and `incident list` open the config's store (SQLite) as the local commands do: they
// run on a copy of examples/demo whose store the first, unmeasured run creates and migrates.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.join(root, 'bin/opsbook.js');
const runsAt = process.argv.indexOf('--runs');
const runs = runsAt >= 0 ? Number(process.argv[runsAt + 1]) : 15;

const demo = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-bench-cli-'));
fs.cpSync(path.join(root, 'examples/demo'), demo, { recursive: true });

const cases = [
  { name: "node -e ''", args: ['-e', ''] },
  { name: 'opsbook --help', args: [bin, '--help'] },
  { name: 'opsbook validate examples/demo', args: [bin, 'validate', 'examples/demo'] },
  { name: 'opsbook oncall now (store)', args: [bin, 'oncall', 'now', '--config', demo] },
  { name: 'opsbook incident list (store)', args: [bin, 'incident', 'list', '--config', demo, '--as', 'demo-admin'] },
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
try {
  // Warms the file cache, and creates and migrates the demo copy's store before any run is timed.
  for (const c of cases.slice(1)) once(c.args);
  for (let i = 0; i < runs; i++) for (const [k, c] of cases.entries()) walls[k].push(once(c.args));
} finally {
  fs.rmSync(demo, { recursive: true, force: true });
}
const base = median(walls[0]);
console.log(`bench:cli — ${runs} interleaved runs each, median wall ms (load ${os.loadavg()[0].toFixed(1)})`);
for (const [k, c] of cases.entries()) {
  const m = median(walls[k]);
  console.log(`${c.name.padEnd(32)} ${m.toFixed(0).padStart(6)} ms  ${(m / base).toFixed(2)}× node -e ''`);
}
