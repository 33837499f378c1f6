// Whether dist/ (the compiled JavaScript opsbook runs from) is there and no older than src/.
// Plain JavaScript with no imports beyond node: so it costs nothing at start-up.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Whether a file under src/ (`relativePath`, from src/) is for tests only, so not compiled into
 * dist/: a test (`*.test.ts`), a test's helper module (a name ending in `test-support.ts`), or
 * anything in a `testing/` folder. Tests import these from src/ (vitest runs the sources); no
 * module that ships may import one (scripts/build.mjs refuses).
 */
export function testOnly(relativePath) {
  const parts = relativePath.split(/[\\/]/);
  return testOnlyName(parts[parts.length - 1]) || parts.slice(0, -1).includes('testing');
}

/** Whether a file named `name` is for tests only, wherever it is (see testOnly). */
function testOnlyName(name) {
  return name.endsWith('.test.ts') || name.endsWith('test-support.ts');
}

/**
 * The newest modification time (ms) of any file under dir that is compiled into dist/, or 0 when dir
 * is absent. Every command pays for this walk (about 740 files in a checkout), so it joins paths
 * itself rather than through path.join and tests names without splitting paths: the JavaScript
 * around each stat cost more than the stat.
 */
function newestUnder(dir) {
  let newest = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const name = entry.name;
    let t;
    // Test-only files live beside the sources but are not compiled into dist/: editing one changes nothing it runs.
    if (entry.isDirectory()) {
      if (name === 'testing') continue;
      t = newestUnder(`${dir}/${name}`);
    } else {
      if (testOnlyName(name)) continue;
      t = fs.statSync(`${dir}/${name}`).mtimeMs;
    }
    if (t > newest) newest = t;
  }
  return newest;
}

/** Why root's dist/ cannot be run (missing, or older than src/), or undefined when it is current. */
export function distProblem(root = ROOT) {
  let built;
  try {
    built = fs.statSync(path.join(root, 'dist', '.built')).mtimeMs;
  } catch {
    return 'opsbook has not been built: dist/ is missing. Run `npm run build` (npm install does it too).';
  }
  // An installed package without src/ has nothing to compare with.
  const changed = newestUnder(path.join(root, 'src'));
  if (changed > built) return 'opsbook\'s dist/ is older than src/: run `npm run build` (or OPSBOOK_FROM_SOURCE=1 to run the TypeScript sources through tsx).';
  return undefined;
}
