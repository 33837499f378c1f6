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

/**
 * Libraries published as hundreds of small ES modules, each bundled into one file under
 * dist/vendor/ that the compiled modules import instead: Node's loader pays per module, so importing
 * kysely's 262 files costs about 140 ms of CPU and its one-file bundle about 11 ms (zod 65 → 35 ms,
 * markdown-it 45 → 8 ms, measured on the 2-core machine). Every compiled module imports the same
 * bundle, so a process running dist/ has one copy of each. Pure JavaScript only: a library with
 * native parts, worker files or dynamic requires stays in node_modules.
 */
const VENDORED = ['kysely', 'zod', 'markdown-it', 'temporal-polyfill'];

/** Points a compiled module's imports of the vendored libraries at their bundles (esbuild writes them `from "name"`). */
function useVendored(file) {
  const text = fs.readFileSync(file, 'utf8');
  const vendorDir = path.relative(path.dirname(file), path.join(staging, 'vendor')).split(path.sep).join('/');
  const out = text.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"([^"]+)"/g, (all, lead, name) =>
    VENDORED.includes(name) ? `${lead}"${vendorDir}/${name}.js"` : all,
  );
  if (out !== text) fs.writeFileSync(file, out);
}

const started = Date.now();
// Built beside dist/ and swapped in whole, so a CLI started meanwhile sees the old build or the new one.
const staging = `${dist}.${process.pid}`;
const entryPoints = sources(src);
const common = { format: 'esm', platform: 'node', target: 'node20', sourcemap: 'linked', sourcesContent: false, logLevel: 'warning' };
await build({ ...common, entryPoints, outdir: staging, outbase: src, bundle: false });
await build({
  ...common,
  entryPoints: Object.fromEntries(VENDORED.map((name) => [name, name])),
  outdir: path.join(staging, 'vendor'),
  bundle: true,
});
for (const file of entryPoints) useVendored(path.join(staging, path.relative(src, file)).replace(/\.ts$/, '.js'));
copyAssets(src, staging);
// The stamp bin/opsbook.js compares with the newest source file.
fs.writeFileSync(path.join(staging, '.built'), `${new Date(started).toISOString()}\n`);
fs.utimesSync(path.join(staging, '.built'), new Date(started), new Date(started));
fs.rmSync(dist, { recursive: true, force: true });
fs.renameSync(staging, dist);
if (!process.argv.includes('--quiet')) console.log(`built ${entryPoints.length} modules into dist/ in ${Date.now() - started} ms`);
