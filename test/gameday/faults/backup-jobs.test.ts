/**
 * The world's backup jobs: a real pg_dump of a real database, then a POST to the heartbeat URL, at
 * the start and every period of simulated time; stopped, they send nothing however much time
 * passes; run by hand, one real dump and one beat; a dump that fails sends no beat.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupJobs, type BackupJobs } from '../../../src/gameday/backup-jobs.js';
import { createDatabase, DEFAULT_PG_ADMIN_URL, type GameDayDatabase } from '../../../src/gameday/services.js';
import { SimulatedClock } from '../../../src/lib/clock.js';
import { scaled } from '../../support/timing.js';

const HOUR = 3_600_000;

async function until(what: string, ok: () => boolean | Promise<boolean>): Promise<void> {
  const bound = scaled(30_000);
  for (const end = Date.now() + bound; Date.now() < end; ) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} within ${bound} ms`);
}

describe('the world’s backup jobs', () => {
  let dir: string;
  let db: GameDayDatabase;
  let server: http.Server;
  let url: string;
  const beats: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'opsbook-backup-jobs-'));
    db = await createDatabase(DEFAULT_PG_ADMIN_URL, 'backup_jobs');
    server = http.createServer((req, res) => {
      beats.push(`${req.method} ${req.url}`);
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, scaled(60_000));
  afterAll(async () => {
    server?.close();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const dumps = async (): Promise<string[]> => (await readdir(dir)).filter((f) => /^hourly_backup_\d{8}_\d{6}\.dump$/.test(f));

  it('dumps and beats at the start and every period; stopped, it sends nothing; run by hand, it dumps and beats once', async () => {
    const clock = new SimulatedClock(Date.UTC(2026, 2, 1));
    const jobs: BackupJobs = backupJobs([{ heartbeat: 'hourly', everyMs: HOUR, name: 'hourly_backup' }], { dir, backupDir: dir, databaseUrl: db.url }, clock);
    try {
      await jobs.start(async (check) => `${url}/api/heartbeats/token-of-${check}`);
      expect(beats).toEqual(['POST /api/heartbeats/token-of-hourly']);
      const [first] = await dumps();
      expect(first).toBeDefined();
      // A real custom-format dump: PGDMP magic and more than a header.
      expect((await stat(join(dir, first!))).size).toBeGreaterThan(100);

      await clock.advance(HOUR);
      await until('the second run beat', () => beats.length === 2);

      await jobs.disable('hourly');
      await clock.advance(3 * HOUR);
      await new Promise((r) => setTimeout(r, 500));
      expect(beats.length).toBe(2);

      const byHand = await jobs.run('hourly');
      expect(byHand.code, byHand.output).toBe(0);
      expect(beats.length).toBe(3);

      jobs.enable('hourly');
      await clock.advance(HOUR);
      await until('the scheduled run beat again', () => beats.length === 4);
    } finally {
      await jobs.close();
    }
    await expect(backupJobs([], { dir, backupDir: dir, databaseUrl: db.url }, new SimulatedClock()).run('hourly')).rejects.toThrow(/no backup job reports to "hourly"/);
  }, scaled(120_000));

  it('a dump that fails sends no heartbeat', async () => {
    const clock = new SimulatedClock();
    const before = beats.length;
    const broken = new URL(db.url);
    broken.pathname = '/no_such_database_here';
    const jobs = backupJobs([{ heartbeat: 'broken', everyMs: HOUR, name: 'broken_backup' }], { dir, backupDir: dir, databaseUrl: broken.toString() }, clock);
    try {
      await expect(jobs.start(async () => `${url}/api/heartbeats/broken`)).rejects.toThrow(/failed on its first run/);
      const again = await jobs.run('broken');
      expect(again.code).not.toBe(0);
      expect(again.output).toMatch(/no_such_database_here/);
      expect(beats.length).toBe(before);
    } finally {
      await jobs.close();
    }
  }, scaled(60_000));
});
