/**
 * opsbook's own backups: taken while a writer appends to the store, restored only into an empty
 * store, and the restored audit chain verifies. SQLite through its backup API; PostgreSQL with
 * pg_dump / pg_restore (skipped with a reason when PostgreSQL is down).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, openStore } from '../../src/store/index.js';
import { childArgs } from '../support/child-script.js';
import { runCli } from '../support/cli.js';
import { createTestDatabase, postgresUp } from '../support/services.js';

const pgAvailable = await postgresUp();

/** Starts the audit writer child on `url`; resolves once it has committed `atLeast` entries. */
async function startWriter(url: string, atLeast: number): Promise<{ child: ChildProcess; committed: () => number }> {
  const child = spawn(process.execPath, [...(await childArgs('test/store/audit-writer.ts')), url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = 0;
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout!.on('data', (c: Buffer) => {
      buffered += c.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (/^\d+$/.test(line)) last = Number(line);
      if (last >= atLeast) resolve({ child, committed: () => last });
    });
    child.on('exit', (code) => reject(new Error(`writer exited with ${code} after ${last} entries`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function configDir(root: string, name: string, url: string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ops.yaml'), `storage:\n  url: ${url}\nchecks: []\n`);
  return path.join(dir, 'ops.yaml');
}

describe('backup and restore of a SQLite store', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-backup-'));
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('a backup taken during writes restores into an empty store whose audit chain verifies', async () => {
    const live = path.join(root, 'live', 'opsbook.db');
    fs.mkdirSync(path.dirname(live), { recursive: true });
    const liveConfig = configDir(root, 'live', live);
    const writer = await startWriter(live, 200);
    let before: number;
    let backup: Awaited<ReturnType<typeof runCli>>;
    try {
      before = writer.committed();
      backup = await runCli(['backup', path.join(root, 'b1.db'), '--config', liveConfig]);
      // The writer kept committing while the backup ran.
      expect(writer.child.exitCode).toBeNull();
    } finally {
      await stop(writer.child);
    }
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toMatch(/backup .*b1\.db: \d+ bytes, \d+ tables, schema \d{6}-[\w-]+, \d+ audit entries/);
    const inBackup = Number(/(\d+) audit entries/.exec(backup.stdout)![1]);
    expect(inBackup).toBeGreaterThanOrEqual(before);

    const restoredConfig = configDir(root, 'restored', path.join(root, 'restored', 'opsbook.db'));
    const restore = await runCli(['restore', path.join(root, 'b1.db'), '--config', restoredConfig]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain(`${inBackup} audit entries verified`);
    const verify = await runCli(['audit', 'verify', '--config', restoredConfig]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('published head');
    const store = await openStore({ url: path.join(root, 'restored', 'opsbook.db') });
    const entries = await listAudit(store.db);
    await store.close();
    expect(entries.length).toBe(inBackup + 1);
    expect(entries.at(-1)).toMatchObject({ action: 'store.restore' });
  });

  it('never overwrites: an existing backup file, and a store that holds data, are refused and left as they were', async () => {
    const live = path.join(root, 'live2', 'opsbook.db');
    fs.mkdirSync(path.dirname(live), { recursive: true });
    const liveConfig = configDir(root, 'live2', live);
    const writer = await startWriter(live, 20);
    await stop(writer.child);
    fs.writeFileSync(path.join(root, 'taken.db'), 'an older backup');
    const again = await runCli(['backup', path.join(root, 'taken.db'), '--config', liveConfig]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('OPSBOOK_E_BACKUP_TARGET');
    expect(fs.readFileSync(path.join(root, 'taken.db'), 'utf8')).toBe('an older backup');

    expect((await runCli(['backup', path.join(root, 'b2.db'), '--config', liveConfig])).code).toBe(0);
    const before = fs.statSync(live).size;
    const onto = await runCli(['restore', path.join(root, 'b2.db'), '--config', liveConfig]);
    expect(onto.code).toBe(1);
    expect(onto.stderr).toContain('OPSBOOK_E_RESTORE_NOT_EMPTY');
    expect(fs.statSync(live).size).toBe(before);
  });

  it('refuses a file that is not an opsbook backup, with its code and no stack', async () => {
    fs.writeFileSync(path.join(root, 'notes.txt'), 'not a database at all, just text\n');
    const cfg = configDir(root, 'empty', path.join(root, 'empty', 'opsbook.db'));
    const r = await runCli(['restore', path.join(root, 'notes.txt'), '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('OPSBOOK_E_RESTORE_SOURCE');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(root, 'empty', 'opsbook.db'))).toBe(false);
  });
});

describe.skipIf(!pgAvailable)('backup and restore of a PostgreSQL store', () => {
  let root: string;
  const drops: (() => Promise<void>)[] = [];
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-pgbackup-'));
  });
  afterAll(async () => {
    for (const drop of drops) await drop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('pg_dump during writes, pg_restore into an empty database, the chain verifies', async () => {
    const live = await createTestDatabase('opsbook_bk_live');
    drops.push(live.drop);
    const empty = await createTestDatabase('opsbook_bk_new');
    drops.push(empty.drop);
    const liveConfig = configDir(root, 'live', live.url);
    const writer = await startWriter(live.url, 100);
    let backup: Awaited<ReturnType<typeof runCli>>;
    let before: number;
    try {
      before = writer.committed();
      backup = await runCli(['backup', path.join(root, 'pg.dump'), '--config', liveConfig]);
    } finally {
      await stop(writer.child);
    }
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    const cfg = configDir(root, 'new', empty.url);
    const restore = await runCli(['restore', path.join(root, 'pg.dump'), '--config', cfg]);
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    const n = Number(/(\d+) audit entries verified/.exec(restore.stdout)![1]);
    expect(n).toBeGreaterThanOrEqual(before);
    expect((await runCli(['audit', 'verify', '--config', cfg])).code).toBe(0);
    const again = await runCli(['restore', path.join(root, 'pg.dump'), '--config', cfg]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('OPSBOOK_E_RESTORE_NOT_EMPTY');
  });
});
