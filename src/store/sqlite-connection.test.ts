/**
 * Which statements SqliteConnection tries again when another connection holds a lock, on real
 * files: a second better-sqlite3 connection (busy_timeout 0) holds the lock and lets go on a timer,
 * which fires only because the waiting statement does not hold the event loop.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteConnection } from './sqlite-connection.js';

describe('SqliteConnection waiting for another connection’s lock', () => {
  let dir: string;
  let ours: SqliteDatabase.Database;
  let other: SqliteDatabase.Database;
  let connection: SqliteConnection;

  function open(journal: 'wal' | 'delete', waitMs = 5000): void {
    const file = path.join(dir, `${journal}.db`);
    ours = new SqliteDatabase(file, { timeout: 0 });
    ours.pragma(`journal_mode = ${journal}`);
    ours.exec('create table t (x integer)');
    other = new SqliteDatabase(file, { timeout: 0 });
    connection = new SqliteConnection(ours, waitMs);
  }
  /** One statement in a turn of its own, as the driver runs one outside a transaction. */
  async function run(sqlText: string, parameters: unknown[] = []) {
    await connection.take();
    try {
      return await connection.run<{ x: number }>(sqlText, parameters);
    } finally {
      connection.give();
    }
  }
  const timers: NodeJS.Timeout[] = [];
  const later = (ms: number, what: () => void) => timers.push(setTimeout(what, ms));

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-sqlite-connection-'));
  });
  afterEach(() => {
    for (const t of timers.splice(0)) clearTimeout(t);
    ours?.close();
    other?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tries BEGIN IMMEDIATE again until the other writer commits, letting another query have the connection meanwhile', async () => {
    open('wal');
    other.exec('begin immediate');
    other.exec('insert into t values (1)');
    later(300, () => other.exec('commit'));
    await connection.take();
    const begun = connection.run('begin immediate', []);
    // The BEGIN waits without the connection: a read of this process goes first.
    await connection.take();
    const read = await connection.run('select count(*) as x from t', []);
    connection.give();
    expect(read.rows).toEqual([{ x: 0 }]);
    await begun;
    expect(ours.inTransaction).toBe(true);
    expect((await connection.run('select count(*) as x from t', [])).rows).toEqual([{ x: 1 }]);
    await connection.run('commit', []);
    connection.give();
  });

  it('lets writes that wait for the lock take it in the order they came', async () => {
    open('wal');
    other.exec('begin immediate');
    const first = run('insert into t values (1)');
    // The first is at its longest pauses by now; the second, just come, tries sooner after the release.
    await new Promise((r) => setTimeout(r, 300));
    const second = run('insert into t values (2)');
    await new Promise((r) => setTimeout(r, 3));
    other.exec('rollback');
    await Promise.all([first, second]);
    expect(other.prepare('select x from t order by rowid').all()).toEqual([{ x: 1 }, { x: 2 }]);
  });

  it('tries a read of a transaction again (rollback journal: the other connection holds EXCLUSIVE)', async () => {
    open('delete');
    other.exec('begin exclusive');
    other.exec('insert into t values (1)');
    later(300, () => other.exec('commit'));
    await run('begin');
    expect((await run('select count(*) as x from t')).rows).toEqual([{ x: 1 }]);
    await run('commit');
  });

  it('tries a COMMIT again while a reader keeps it from taking the file (rollback journal)', async () => {
    open('delete');
    other.exec('begin');
    other.prepare('select * from t').all();
    later(300, () => other.exec('commit'));
    await run('begin immediate');
    await run('insert into t values (?)', [7]);
    await run('commit');
    expect(ours.inTransaction).toBe(false);
    expect(other.prepare('select x from t').all()).toEqual([{ x: 7 }]);
  });

  it('does not try a write inside a transaction again: a stale snapshot fails at once (SQLITE_BUSY_SNAPSHOT)', async () => {
    open('wal', 60_000);
    await run('begin');
    await run('select * from t');
    other.exec('insert into t values (1)');
    const started = performance.now();
    await expect(run('insert into t values (2)')).rejects.toMatchObject({ code: 'SQLITE_BUSY_SNAPSHOT' });
    expect(performance.now() - started).toBeLessThan(30_000);
    await run('rollback');
  });

  it('gives up after its wait with SQLITE_BUSY, having done nothing', async () => {
    open('wal', 300);
    other.exec('begin immediate');
    await expect(run('insert into t values (1)')).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    other.exec('rollback');
    expect(ours.inTransaction).toBe(false);
    expect((await run('select count(*) as x from t')).rows).toEqual([{ x: 0 }]);
  });
});
