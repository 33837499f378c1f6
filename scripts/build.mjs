#!/usr/bin/env node
// `npm run build` (and `prepare`): compiles src/**/*.ts (tests and test-only modules left out, see
// testOnly in bin/dist.js) into dist/ file by file,
// keeping the folder layout so paths relative to a module (the UI's static files, package.json)
// hold in dist/ as in src/, and copies the UI's static files. Sources stay the truth; dist/ is not committed.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { testOnly } from '../bin/dist.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'src');
const dist = path.join(root, 'dist');

/** Every .ts file under src that ships: not a test or test-only module, not a declaration. */
function sources(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') && !testOnly(path.relative(src, full))) out.push(full);
  }
  return out;
}

/**
 * The shipping modules that import a test-only one (`file → import`): dist/ would hold an import
 * of a file it lacks, failing only when that line runs. Relative imports, static and dynamic.
 */
function importsOfTestOnly(files) {
  const found = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const target = path.relative(src, path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      if (testOnly(target)) found.push(`${path.relative(root, file)} → ${spec}`);
    }
  }
  return found;
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

/**
 * CommonJS libraries bundled the same way (yaml: 70 files, read at every config load; about 60 ms
 * of loading → 20 ms; commander: 8 files every command loads, about 5 ms of CPU less, 7% of a bare
 * `node` start). esbuild's ESM bundle of a CommonJS entry exports only `default`, so the
 * entry re-exports each name the library exports, and Node's own `require` serves the built-ins
 * it requires (`process`, `buffer`): the same code as in node_modules, in one file.
 */
const VENDORED_COMMONJS = ['yaml', 'commander'];

/**
 * zod's bundle with its English messages only. zod exports its ~50 translations (`z.locales`), which
 * no opsbook module uses (zod registers English itself, from locales/en.js): with them the bundle is
 * 760 kB and every process that validates a config (each local command, the daemon) spent about
 * 95 ms of CPU loading it, without them 395 kB and about 62 ms (measured on the 2-core machine at load 19).
 * `z.locales` keeps `en`.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    // Loaded in place (the file namespace): the source map names zod's own locales/index.js, a file
    // that exists, so a tool reading the map finds every source.
    b.onLoad({ filter: /[\\/]node_modules[\\/]zod[\\/].*[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(path.join(path.dirname(args.path), 'en.js'))};`,
      resolveDir: path.dirname(args.path),
    }));
  },
};

/** Points a compiled module's imports of the vendored libraries at their bundles (esbuild writes them `from "name"`). */
function useVendored(file) {
  const text = fs.readFileSync(file, 'utf8');
  const vendorDir = path.relative(path.dirname(file), path.join(staging, 'vendor')).split(path.sep).join('/');
  const out = text.replace(/(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"([^"]+)"/g, (all, lead, name) =>
    VENDORED.includes(name) || VENDORED_COMMONJS.includes(name) ? `${lead}"${vendorDir}/${name}.js"` : all,
  );
  if (out !== text) fs.writeFileSync(file, out);
}

const started = Date.now();
// Built beside dist/ and swapped in whole, so a CLI started meanwhile sees the old build or the new one.
const staging = `${dist}.${process.pid}`;
const entryPoints = sources(src);
const wrong = importsOfTestOnly(entryPoints);
if (wrong.length > 0) {
  console.error(`✖ modules that ship import test-only modules (left out of dist/):\n  ${wrong.join('\n  ')}`);
  process.exit(1);
}
const common = { format: 'esm', platform: 'node', target: 'node20', sourcemap: 'linked', sourcesContent: false, logLevel: 'warning' };
await build({ ...common, entryPoints, outdir: staging, outbase: src, bundle: false });
await build({
  ...common,
  entryPoints: Object.fromEntries(VENDORED.map((name) => [name, name])),
  outdir: path.join(staging, 'vendor'),
  bundle: true,
  plugins: [zodEnglishOnly],
});
const require = createRequire(import.meta.url);
for (const name of VENDORED_COMMONJS) {
  const names = Object.keys(require(name)).filter((n) => n !== 'default' && n !== '__esModule');
  // The entry is a file (under node_modules/.cache), so the bundle's source map names one that exists.
  const entry = path.join(root, 'node_modules', '.cache', 'opsbook-vendor', `${name}-entry.js`);
  fs.mkdirSync(path.dirname(entry), { recursive: true });
  fs.writeFileSync(entry, `export { ${names.join(', ')} } from ${JSON.stringify(name)};\n`);
  await build({
    ...common,
    entryPoints: [entry],
    banner: { js: "import { createRequire as __vendorRequire } from 'node:module'; const require = __vendorRequire(import.meta.url);" },
    outfile: path.join(staging, 'vendor', `${name}.js`),
    bundle: true,
  });
}
for (const file of entryPoints) useVendored(path.join(staging, path.relative(src, file)).replace(/\.ts$/, '.js'));
copyAssets(src, staging);
// The stamp bin/opsbook.js compares with the newest source file.
fs.writeFileSync(path.join(staging, '.built'), `${new Date(started).toISOString()}\n`);
fs.utimesSync(path.join(staging, '.built'), new Date(started), new Date(started));
fs.rmSync(dist, { recursive: true, force: true });
fs.renameSync(staging, dist);
if (!process.argv.includes('--quiet')) console.log(`built ${entryPoints.length} modules into dist/ in ${Date.now() - started} ms`);
