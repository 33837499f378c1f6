import { chmod } from 'node:fs/promises';
import pg from 'pg';
import { OpsbookError } from '../../lib/errors/index.js';
import { withPgClient } from './pg-client.js';

/** The archiver's state as pg_stat_archiver shows it. */
interface ArchiverState {
  failing: boolean;
  archived: number;
  failed: number;
}

export interface WalArchive {
  /** The directory archive_command copies each finished WAL segment into. */
  dir: string;
  /** Makes the directory unwritable and finishes a segment, until pg_stat_archiver records the failure. */
  fail(): Promise<void>;
  /** Makes it writable again (as a mend would) and waits until the archiver has caught up. */
  mend(): Promise<void>;
  /** Finishes the current WAL segment (a write, then pg_switch_wal()), which wakes the archiver. */
  switchWal(): Promise<void>;
}

/**
 * Real WAL archiving failing: the private cluster archives with `archive_command` copying each
 * segment into `dir` (the runbook's S3 bucket has no server here); the fault takes the write
 * permission away from that directory, so `cp` fails and pg_stat_archiver records it, as it does
 * when the bucket's credentials or permissions are gone.
 */
export function walArchive(databaseUrl: string, dir: string): WalArchive {
  const withClient = <T>(f: (c: pg.Client) => Promise<T>): Promise<T> => withPgClient(databaseUrl, f);
  const switchWal = (): Promise<void> =>
    withClient(async (c) => {
      await c.query('create table if not exists opsbook_gameday_writes (at timestamptz not null default now())');
      await c.query('insert into opsbook_gameday_writes default values');
      await c.query('select pg_switch_wal()');
    });
  const state = (): Promise<ArchiverState> =>
    withClient(async (c) => {
      const r = await c.query<{ failing: boolean; archived: string; failed: string }>(
        "select coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false) as failing, archived_count as archived, failed_count as failed from pg_stat_archiver",
      );
      const row = r.rows[0]!;
      return { failing: row.failing, archived: Number(row.archived), failed: Number(row.failed) };
    });
  const until = async (what: string, ok: (s: ArchiverState) => boolean): Promise<void> => {
    for (let i = 0; i < 600; i++) {
      if (ok(await state())) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `the WAL archiver did not ${what} within 60 s`);
  };
  return {
    dir,
    switchWal,
    fail: async () => {
      await chmod(dir, 0o500);
      await switchWal();
      await until('record a failed archive_command', (s) => s.failing);
    },
    mend: async () => {
      await chmod(dir, 0o700);
      const before = await state();
      // A finished segment wakes the archiver, which archives what failed before it.
      await switchWal();
      await until('catch up', (s) => !s.failing && s.archived > before.archived);
    },
  };
}
