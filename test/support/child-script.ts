/**
 * How a test runs one of its own TypeScript scripts (a writer, a worker) as a child process. Under
 * tsx every start compiled the script and all of opsbook it imports again: about 2.3 s of CPU per
 * start against 1.0 s for the same child on dist/, and the crash tests start such a child ten times.
 * So while dist/ is current (vitest's global setup builds it) the script is compiled once per process
 * with esbuild, its imports of src/ pointing at the same modules in dist/, the code that ships; with a
 * stale dist/ (`npm run torture` on an edited checkout) the child runs under tsx as before.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';
import { REPO_ROOT } from './cli.js';

const SRC = path.join(REPO_ROOT, 'src');
const DIST = path.join(REPO_ROOT, 'dist');
const OUT = path.join(REPO_ROOT, 'node_modules', '.cache', 'opsbook-test-children');

const compiled = new Map<string, Promise<string>>();

/** Node's arguments that run `script` (relative to the repository). */
export async function childArgs(script: string): Promise<string[]> {
  const { distProblem } = (await import(path.join(REPO_ROOT, 'bin/dist.js'))) as { distProblem: () => string | undefined };
  if (distProblem()) return ['--import', 'tsx', path.join(REPO_ROOT, script)];
  let file = compiled.get(script);
  if (!file) {
    file = compile(script);
    compiled.set(script, file);
    file.catch(() => compiled.delete(script));
  }
  return [await file];
}

/**
 * Imports of src/ become the same module in dist/, left outside the bundle; packages stay outside
 * too. A test-only module (not in dist/, see testOnly) is bundled from src/, its own imports of src/
 * pointing at dist/ in turn.
 */
const fromDist: Plugin = {
  name: 'opsbook-dist',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, async (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      if (!target.startsWith(SRC + path.sep)) return undefined;
      const { testOnly } = (await import(path.join(REPO_ROOT, 'bin/dist.js'))) as { testOnly: (relativePath: string) => boolean };
      if (testOnly(path.relative(SRC, target).replace(/\.js$/, '.ts'))) return { path: target.replace(/\.js$/, '.ts') };
      return { path: path.join(DIST, path.relative(SRC, target)), external: true };
    });
  },
};

async function compile(script: string): Promise<string> {
  const out = path.join(OUT, script.replace(/\.ts$/, '.mjs'));
  // Written under a name of its own and renamed: the other worker may compile the same script now.
  const staging = `${out}.${process.pid}`;
  await build({ entryPoints: [path.join(REPO_ROOT, script)], outfile: staging, bundle: true, packages: 'external', format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning', plugins: [fromDist] });
  fs.renameSync(staging, out);
  return out;
}
