#!/usr/bin/env node
// `npm run build` (and `prepare`): compiles src/**/*.ts (tests left out) into dist/ file by file,
// keeping the folder layout so paths relative to a module (the UI's static files, package.json)
// hold in dist/ as in src/, and copies the UI's static files. Sources stay the truth; dist/ is not committed.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

/** Every .ts file under src that ships: not a test, not a declaration. */
function sources(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

/** Copies every file under src that is not TypeScript (the UI's static files) to the same place in dist. */
function copyAssets(dir, out) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) copyAssets(full, out);
    else if (!entry.name.endsWith('.ts')) {
      const target = path.join(out, path.relative(src, full));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.copyFileSync(full, target);
    }
  }
}

const started = Date.now();
// Built beside dist/ and swapped in whole, so a CLI started meanwhile sees the old build or the new one.
const staging = `${dist}.${process.pid}`;
const entryPoints = sources(src);
await build({
  entryPoints,
  outdir: staging,
  outbase: src,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  bundle: false,
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
});
copyAssets(src, staging);
// The stamp bin/opsbook.js compares with the newest source file.
fs.writeFileSync(path.join(staging, '.built'), `${new Date(started).toISOString()}\n`);
fs.utimesSync(path.join(staging, '.built'), new Date(started), new Date(started));
fs.rmSync(dist, { recursive: true, force: true });
fs.renameSync(staging, dist);
if (!process.argv.includes('--quiet')) console.log(`built ${entryPoints.length} modules into dist/ in ${Date.now() - started} ms`);
