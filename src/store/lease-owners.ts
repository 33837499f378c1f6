import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';

/**
 * Which outbox lease owners are alive, for the workers sharing one SQLite file. Nothing stops two
 * processes from serving the same file (nor, in tests, two workers of one process), so a worker
 * cannot assume the rows another owner leased are orphans; it can only ask whether that owner is
 * still there. Each owner holds an operating-system lock for as long as it runs: an exclusive lock
 * on a small SQLite file of its own, `<database>-owners/<owner>`, taken at `hold` and held by the
 * process until `release` or its end. The kernel drops the lock when the process exits however it
 * exits (SIGKILL, a crash), and keeps it while the process is paused (SIGSTOP): so "gone" means
 * gone, at once, and a paused owner is never taken for dead. SQLite's own locking keeps this right
 * between connections of one process too (POSIX locks alone would not).
 */
export interface LeaseOwners {
  /** Marks `owner` alive until the returned release is called or this process ends. */
  hold(owner: string): () => void;
  /** Whether `owner` is known gone: nothing holds its lock (or it never had one). Forgets a gone owner's file. */
  gone(owner: string): boolean;
}

/** Lease owners of the SQLite database `file`, in the directory `<file>-owners`. */
export function sqliteLeaseOwners(file: string): LeaseOwners {
  const dir = `${file}-owners`;
  // Owner ids are generated (`wrk_…`, `member_…`); anything else in a row is not a file name here.
  const fileOf = (owner: string): string | undefined => (/^[A-Za-z0-9_-]{1,100}$/.test(owner) ? path.join(dir, owner) : undefined);
  return {
    hold(owner) {
      const lockFile = fileOf(owner);
      if (!lockFile) throw new Error(`not a lease owner id: ${owner}`);
      fs.mkdirSync(dir, { recursive: true });
      const db = new SqliteDatabase(lockFile);
      try {
        // Rollback journal (the default): BEGIN EXCLUSIVE takes the file's exclusive lock at once and
        // writes nothing, so there is no journal for anyone to recover.
        db.pragma('locking_mode = EXCLUSIVE');
        db.exec('BEGIN EXCLUSIVE');
      } catch (e) {
        db.close();
        throw e;
      }
      return () => {
        if (!db.open) return;
        db.close();
        fs.rmSync(lockFile, { force: true });
      };
    },
    gone(owner) {
      const lockFile = fileOf(owner);
      if (!lockFile) return false; // not ours to judge: its lease runs out as before
      let db: SqliteDatabase.Database;
      try {
        db = new SqliteDatabase(lockFile, { fileMustExist: true, timeout: 0 });
      } catch {
        return true; // no lock file: the owner never held one here, or was found gone before
      }
      try {
        db.exec('BEGIN EXCLUSIVE');
        db.exec('ROLLBACK');
      } catch {
        return false; // busy: a live process holds it
      } finally {
        db.close();
      }
      fs.rmSync(lockFile, { force: true });
      return true;
    },
  };
}
