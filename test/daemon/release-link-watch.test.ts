/**
 * A config reached through a linked folder, as deploys that keep their releases lay it out:
 * `--config /srv/opsbook/current/ops.yaml` with `current -> releases/N`, the next release put in by
 * renaming a new link over `current` (the old release kept). Nothing changes in the folders the
 * config's files are in; only the folder holding the link sees the swap. The watch covers it and
 * reloads. A real daemon over real folders, real file events.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, Daemon, watchConfigFiles } from '../../src/daemon/index.js';
import { placeMigratedSqlite } from '../support/migrated-database.js';
import { scaled, until } from '../support/timing.js';

const OPS = (user: string, db: string) => `storage:\n  url: ${JSON.stringify(db)}\nusers:\n  - { name: ${user}, role: viewer }\n`;

describe.runIf(process.platform === 'linux')('a config reached through a swapped release link', () => {
  let dir = '';
  let daemon: Daemon | undefined;
  let unwatch: (() => void) | undefined;
  let lines = '';
  const db = () => path.join(dir, 'state', 'opsbook.db');
  const release = (n: number, user: string) => {
    fs.mkdirSync(path.join(dir, 'releases', String(n)), { recursive: true });
    fs.writeFileSync(path.join(dir, 'releases', String(n), 'ops.yaml'), OPS(user, db()));
    fs.symlinkSync(path.join('releases', String(n)), path.join(dir, 'current.next'));
    fs.renameSync(path.join(dir, 'current.next'), path.join(dir, 'current'));
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-release-link-'));
    placeMigratedSqlite(db());
    release(1, 'ana');
    const destination = new PassThrough();
    destination.on('data', (c: Buffer) => (lines += c.toString()));
    daemon = await Daemon.start({ configPath: path.join(dir, 'current', 'ops.yaml'), operations: false, logger: createLogger({ level: 'info', destination }) });
    unwatch = watchConfigFiles(daemon, 50);
  }, scaled(60_000));
  afterAll(async () => {
    unwatch?.();
    await daemon?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reloads when the link is swapped to the next release', async () => {
    expect(daemon!.config.users.map((u) => u.name)).toEqual(['ana']);
    release(2, 'bob');
    await until('the next release is applied', () => daemon!.config.users.map((u) => u.name).join() === 'bob', scaled(30_000));
    expect(lines).toMatch(/"msg":"config reloaded"/);
  });
});
