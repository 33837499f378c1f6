/**
 * `npm run bench [NAME…]`: runs the named benchmarks (`bench/NAME.ts`), or lists them. Each prints
 * its own figures; `npm run bench:NAME` runs one directly.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const available = fs.readdirSync(here).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
const names = process.argv.slice(2);
if (names.length === 0) {
  console.log(`benchmarks: ${available.join(', ')}\nrun one with: npm run bench NAME  (or npm run bench:NAME)`);
  process.exit(0);
}
let failed = 0;
for (const name of names) {
  if (!available.includes(name)) {
    console.error(`✖ no benchmark "${name}" (available: ${available.join(', ')})`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n=== bench ${name}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, `${name}.ts`)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
if (failed > 0) process.exitCode = 1;
