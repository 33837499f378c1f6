import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Vitest's global setup: the tests that spawn `bin/opsbook.js` run the compiled dist/, the path that
 * ships, so it is rebuilt first when it is missing or older than src/.
 */
export default async function buildDist(): Promise<void> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  const { distProblem } = (await import(path.join(root, 'bin/dist.js'))) as { distProblem: () => string | undefined };
  if (!distProblem()) return;
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--quiet'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status})`);
}
