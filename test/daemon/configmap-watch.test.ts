/**
 * `opsbook serve` over a Kubernetes ConfigMap volume: kubelet writes each version of the ConfigMap
 * into a new hidden folder (`..2026_12_07_04_10_00.000000001`), points `..data` at it by renaming a
 * new symlink over the old one (rename(2), atomic), and the files the pod sees are symlinks through
 * `..data` (`ops.yaml -> ..data/ops.yaml`); then it removes the old folder. The same layout here, in a
 * temp folder, swapped as kubelet swaps it: the daemon reloads and serves the new version, each time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, serveCli } from '../support/cli.js';
import { scaled, until } from '../support/timing.js';

const RUNBOOK = (step: string) => `# Orders\n\n## RB-001: Orders down\n\n**Diagnosis:**\n\n1. ${step}\n`;
const OPS = 'users:\n  - { name: ana, role: viewer }\nrunbooks: [orders.md]\n';

let version = 0;
/**
 * Writes the ConfigMap's files as kubelet's atomic writer does: a new timestamped folder, `..data`
 * renamed onto it, the old folder removed (unless `keepOld`: then only the link says what changed,
 * as with a `current -> releases/N` swap that keeps the old releases).
 */
function publish(dir: string, files: Record<string, string>, keepOld = false): void {
  const stamp = `..2026_12_07_04_10_00.${String(++version).padStart(9, '0')}`;
  fs.mkdirSync(path.join(dir, stamp));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, stamp, name), text);
  let old: string | undefined;
  try {
    old = fs.readlinkSync(path.join(dir, '..data'));
  } catch {
    old = undefined;
  }
  fs.symlinkSync(stamp, path.join(dir, '..data_tmp'));
  fs.renameSync(path.join(dir, '..data_tmp'), path.join(dir, '..data'));
  for (const name of Object.keys(files)) if (!fs.existsSync(path.join(dir, name))) fs.symlinkSync(path.join('..data', name), path.join(dir, name));
  if (old && !keepOld) fs.rmSync(path.join(dir, old), { recursive: true, force: true });
}

describe.runIf(process.platform === 'linux')('serve over a ConfigMap volume', () => {
  it.each([
    ['kubelet swaps ..data to a new version and removes the old one', false],
    ['..data is swapped and the old version kept (only the link changes)', true],
  ])('reloads when %s, every time', async (_what, keepOld) => {
    const s = await serveCli('configmap-watch', {}, {
      watch: true,
      arrange: (dir) => publish(dir, { 'ops.yaml': OPS, 'orders.md': RUNBOOK('Look at the port') }),
    });
    try {
      expect(fs.lstatSync(path.join(s.dir, 'ops.yaml')).isSymbolicLink()).toBe(true);
      await until('the daemon says it listens', () => s.output().includes('"msg":"listening"'), scaled(30_000));
      const token = await runCli(['token', 'create', '--user', 'ana', '--config', s.config]);
      expect(token.code, token.stderr).toBe(0);
      const steps = async (): Promise<string> => {
        const r = await fetch(`${s.url}/api/runbooks/procedures/${encodeURIComponent('orders.md#RB-001')}`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } });
        const body = (await r.json()) as { phases: Array<{ steps: Array<{ text: string }> }> };
        return body.phases.flatMap((p) => p.steps.map((x) => x.text)).join();
      };
      expect(await steps()).toBe('Look at the port');
      for (const step of ['Look at the load balancer', 'Look at the DNS']) {
        publish(s.dir, { 'ops.yaml': OPS, 'orders.md': RUNBOOK(step) }, keepOld);
        await until(`the swapped version (${step}) is served`, async () => (await steps()) === step, scaled(30_000));
      }
    } finally {
      await s.close();
    }
  });
});
