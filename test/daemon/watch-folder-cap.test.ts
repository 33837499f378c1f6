/**
 * Under a `**` glob the config watch takes one inotify watch per folder the glob can reach. inotify
 * watches are few and shared by every process of the user (8192 by default before Linux 5.11), so
 * the watch takes at most a cap of folders: the config's own folders first, then the glob's, the
 * shallowest first. Past the cap it warns once, naming SIGHUP for changes in the folders left out,
 * and what it watches still reloads. A real daemon over real folders; the watches counted from
 * /proc (Linux lists each inotify watch of a process in its fdinfo).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, watchConfigFiles } from '../../src/daemon/index.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { scaled, until } from '../support/timing.js';

const rules = (group: string) => `groups:\n  - name: ${group}\n    rules:\n      - alert: ${group}\n        expr: queue_depth > 100\n`;
const CAP = 4;

/** The inotify watches this process holds now. */
function inotifyWatches(): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fdinfo')) {
    try {
      n += fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').match(/^inotify wd:/gm)?.length ?? 0;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

describe.runIf(process.platform === 'linux')('the config watch under a ** glob over many folders', () => {
  let server: DaemonApp;
  let lines = '';
  let unwatch: (() => void) | undefined;
  let before = 0;
  const warnings = () => lines.split('\n').filter((l) => l.includes('"level":40') && l.includes('SIGHUP'));
  const groups = () => server.daemon.ruleGroups.map((g) => g.name).sort().join();

  beforeAll(async () => {
    const destination = new PassThrough();
    destination.on('data', (c: Buffer) => (lines += c.toString()));
    const files: Record<string, string> = { 'ops.yaml': 'rule_files: ["rules/**/*.yml"]\n', 'rules/queue.yml': rules('queue') };
    for (let i = 0; i < 12; i++) files[`rules/team-${String(i).padStart(2, '0')}/nested/keep.yml`] = rules(`t${i}`);
    server = await startDaemonApp('watch-folder-cap', files, { logger: createLogger({ level: 'info', destination }) });
    before = inotifyWatches();
    unwatch = watchConfigFiles(server.daemon, 50, CAP);
  }, scaled(60_000));
  afterAll(async () => {
    unwatch?.();
    await server?.close();
  });

  it('watches at most the cap of folders and warns once, naming SIGHUP', async () => {
    await until('the cap is warned of', () => warnings().length > 0, scaled(10_000));
    const [line] = warnings();
    expect(line).toMatch(/"watched_folders":4/);
    // The config folder, rules/, 12 team folders and the 12 folders under them: 26, 4 of them watched.
    expect(line).toMatch(/"left_out":22/);
    expect(line).toMatch(/"first_left_out":\[[^\]]*team-02/);
    // The 14 files read, and CAP folders (the config's own folder among them).
    await until('the watches are taken', () => inotifyWatches() - before === 14 + CAP, scaled(10_000));
  });

  it('still reloads for a change in a folder it watches, and does not warn again', async () => {
    fs.writeFileSync(path.join(server.dir, 'rules/disk.yml'), rules('disk'));
    await until('the added rule file is applied', () => groups().includes('disk'), scaled(30_000));
    fs.writeFileSync(path.join(server.dir, 'rules/queue.yml'), rules('queue2'));
    await until('the edited rule file is applied', () => groups().includes('queue2'), scaled(30_000));
    expect(warnings()).toHaveLength(1);
  });
});
