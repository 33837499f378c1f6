/**
 * `opsbook serve` as a real process watches what its config read: the YAML, the rule files, the
 * runbooks and their folders (the inotify watches it holds, read from /proc), and a runbook step
 * edited on disk is served without a SIGHUP. With `--no-watch` it holds no watch at all, and a SIGHUP
 * still reloads.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, serveCli, type ServedCli } from '../support/cli.js';
import { scaled, until } from '../support/timing.js';

const RUNBOOK = (step: string) => `# Orders\n\n## RB-001: Orders down\n\n**Diagnosis:**\n\n1. ${step}\n`;
const FILES = {
  'ops.yaml': 'users:\n  - { name: ana, role: viewer }\nrule_files: [rules/*.yml]\nrunbooks: [runbooks/*.md]\n',
  'rules/queue.yml': 'groups:\n  - name: queues\n    rules:\n      - alert: QueueBacklog\n        expr: queue_depth > 100\n',
  'runbooks/orders.md': RUNBOOK('Look at the port'),
};

/** The inodes of what the process watches with inotify (Linux: its fdinfo lists each watch). */
function watchedInodes(pid: number): number[] {
  const inodes: number[] = [];
  for (const fd of fs.readdirSync(`/proc/${pid}/fdinfo`)) {
    let info: string;
    try {
      info = fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue; // closed meanwhile
    }
    for (const m of info.matchAll(/^inotify wd:\d+ ino:([0-9a-f]+)/gm)) inodes.push(parseInt(m[1]!, 16));
  }
  return inodes.sort((a, b) => a - b);
}

const inodes = (s: ServedCli, names: string[]) => names.map((n) => fs.statSync(path.join(s.dir, n)).ino).sort((a, b) => a - b);

async function steps(s: ServedCli, token: string): Promise<string> {
  const r = await fetch(`${s.url}/api/runbooks/procedures/${encodeURIComponent('runbooks/orders.md#RB-001')}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await r.json()) as { phases: Array<{ steps: Array<{ text: string }> }> };
  return body.phases.flatMap((p) => p.steps.map((x) => x.text)).join();
}

async function served(watch: boolean): Promise<{ s: ServedCli; token: string }> {
  const s = await serveCli(watch ? 'serve-watch' : 'serve-no-watch', FILES, { watch });
  try {
    await until('the daemon says it listens', () => s.output().includes('"msg":"listening"'), scaled(30_000));
    const token = await runCli(['token', 'create', '--user', 'ana', '--config', s.config]);
    expect(token.code, token.stderr).toBe(0);
    return { s, token: token.stdout.trim() };
  } catch (e) {
    await s.close();
    throw e;
  }
}

describe.runIf(process.platform === 'linux')('serve and the config watch', () => {
  it('watches the YAML, the rule files, the runbooks and their folders, and serves an edited runbook step', async () => {
    const { s, token } = await served(true);
    try {
      expect(watchedInodes(s.child.pid!)).toEqual(inodes(s, ['.', 'ops.yaml', 'rules', 'rules/queue.yml', 'runbooks', 'runbooks/orders.md']));
      expect(await steps(s, token)).toBe('Look at the port');
      fs.writeFileSync(path.join(s.dir, 'runbooks/orders.md'), RUNBOOK('Look at the port and the load balancer'));
      await until('the edited step is served', async () => (await steps(s, token)) === 'Look at the port and the load balancer', scaled(30_000));
    } finally {
      await s.close();
    }
  });

  it('with --no-watch holds no watch, and a SIGHUP still reloads', async () => {
    const { s, token } = await served(false);
    try {
      expect(watchedInodes(s.child.pid!)).toEqual([]);
      fs.writeFileSync(path.join(s.dir, 'runbooks/orders.md'), RUNBOOK('Look at the port and the load balancer'));
      s.child.kill('SIGHUP');
      await until('the edited step is served after SIGHUP', async () => (await steps(s, token)) === 'Look at the port and the load balancer', scaled(30_000));
      expect(watchedInodes(s.child.pid!)).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
