/**
 * Backups of opsbook's own state. SQLite: an online copy through SQLite's backup API (the store's
 * own connection, one step, so concurrent writers neither block nor restart it). PostgreSQL:
 * `pg_dump --format=custom`, checked against the live schema, and `pg_restore` back.
 * Restores only go into an empty store, so a mistyped path never overwrites live data.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import type { Store } from './store.js';
import { knownMigrations } from './store.js';
import { OpsbookError } from '../lib/errors/index.js';

const run = promisify(execFile);
const SQLITE_HEADER = 'SQLite format 3\0';

export interface BackupSummary {
  file: string;
  bytes: number;
  /** The newest migration the backup holds. */
  schema: string;
  /** Tables the backup holds (PostgreSQL: from the dump's table of contents). */
  tables: number;
  /** Audit entries in the backup (SQLite only; a custom-format dump is not read back here). */
  auditEntries?: number;
}

function refuseExisting(dest: string): void {
  if (fs.existsSync(dest)) throw new OpsbookError('OPSBOOK_E_BACKUP_TARGET', `${dest} already exists; choose a new file name (opsbook never overwrites a backup)`);
}

/** Tables of the store, without Kysely's bookkeeping. */
async function storeTables(store: Store): Promise<string[]> {
  const tables = await store.db.introspection.getTables();
  return tables.map((t) => t.name).sort();
}

/** True when the store holds no table at all (a database never migrated). */
export async function storeIsEmpty(store: Store): Promise<boolean> {
  const tables = await store.db.introspection.getTables({ withInternalKyselyTables: true });
  return tables.length === 0;
}

export async function backupStore(store: Store, dest: string, pgUrl?: string): Promise<BackupSummary> {
  refuseExisting(dest);
  const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.partial-${process.pid}`);
  fs.rmSync(tmp, { force: true });
  try {
    if (store.dialect === 'sqlite') {
      if (!store.backup) throw new OpsbookError('OPSBOOK_E_BACKUP_FAILED', `the store ${store.location} is in memory; there is nothing to back up`);
      await store.backup(tmp);
      const inspected = inspectSqliteBackup(tmp);
      fs.renameSync(tmp, dest);
      return { file: dest, bytes: fs.statSync(dest).size, ...inspected };
    }
    if (!pgUrl) throw new OpsbookError('OPSBOOK_E_BACKUP_FAILED', 'a PostgreSQL backup needs the store URL');
    await pgTool('pg_dump', ['--format=custom', '--no-owner', `--file=${tmp}`, `--dbname=${pgUrl}`]);
    const listed = await dumpTables(tmp);
    const missing = (await storeTables(store)).filter((t) => !listed.includes(t));
    if (missing.length > 0 || !listed.includes('kysely_migration')) {
      throw new OpsbookError('OPSBOOK_E_BACKUP_FAILED', `the dump does not hold every table of the store (missing: ${[...missing, ...(listed.includes('kysely_migration') ? [] : ['kysely_migration'])].join(', ')})`);
    }
    fs.renameSync(tmp, dest);
    const applied = (await store.migrationStatus()).applied;
    return { file: dest, bytes: fs.statSync(dest).size, schema: applied.at(-1) ?? 'none', tables: listed.length - 1 };
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (e instanceof OpsbookError) throw e;
    throw new OpsbookError('OPSBOOK_E_BACKUP_FAILED', `backup into ${dest} failed: ${(e as Error).message}`, { cause: e });
  }
}

/**
 * Reads a SQLite backup without writing to it: the file must be a SQLite database that passes
 * `integrity_check` and holds an opsbook schema this binary knows.
 */
export function inspectSqliteBackup(file: string): Omit<BackupSummary, 'file' | 'bytes'> {
  const fd = fs.openSync(file, 'r');
  const header = Buffer.alloc(16);
  try {
    fs.readSync(fd, header, 0, 16, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) throw new OpsbookError('OPSBOOK_E_RESTORE_SOURCE', `${file} is not a SQLite database (an opsbook backup of a SQLite store is one)`);
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new OpsbookError('OPSBOOK_E_RESTORE_SOURCE', `${file} is damaged: integrity_check says ${String(integrity)}`);
    const tables = (db.prepare(`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`).all() as { name: string }[]).map((r) => r.name);
    if (!tables.includes('kysely_migration') || !tables.includes('audit_log')) throw new OpsbookError('OPSBOOK_E_RESTORE_SOURCE', `${file} is a SQLite database but not an opsbook store (no migrations or audit log)`);
    const recorded = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name);
    const known = new Set(knownMigrations());
    const unknown = recorded.filter((n) => !known.has(n));
    if (unknown.length > 0) {
      throw new OpsbookError('OPSBOOK_E_STORE_NEWER', `${file} is at schema ${recorded.at(-1)}, newer than this opsbook knows (its latest is ${knownMigrations().at(-1)}); restore it with the opsbook that took it`);
    }
    const audit = db.prepare('select count(*) as n from audit_log').get() as { n: number };
    return { schema: recorded.at(-1) ?? 'none', tables: tables.filter((t) => !t.startsWith('kysely_')).length, auditEntries: audit.n };
  } finally {
    db.close();
  }
}

/** Copies a SQLite backup into `target`, which must not exist or be an empty database. */
export async function restoreSqlite(source: string, target: string): Promise<Omit<BackupSummary, 'file' | 'bytes'>> {
  const inspected = inspectSqliteBackup(source);
  if (fs.existsSync(target)) {
    const db = new SqliteDatabase(target, { readonly: true });
    const n = (db.prepare(`select count(*) as n from sqlite_master where type = 'table'`).get() as { n: number }).n;
    db.close();
    if (n > 0) throw new OpsbookError('OPSBOOK_E_RESTORE_NOT_EMPTY', `${target} already holds an opsbook store; restore into an empty store (move it aside first)`);
    for (const f of [target, `${target}-wal`, `${target}-shm`]) fs.rmSync(f, { force: true });
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const db = new SqliteDatabase(source, { readonly: true, fileMustExist: true });
  try {
    await db.backup(target, { progress: () => 0x7fffffff });
  } finally {
    db.close();
  }
  return inspected;
}

/** `pg_restore` of a custom-format dump into an empty PostgreSQL database. */
export async function restorePostgres(source: string, store: Store, pgUrl: string): Promise<Omit<BackupSummary, 'file' | 'bytes'>> {
  let listed: string[];
  try {
    listed = await dumpTables(source);
  } catch (e) {
    throw new OpsbookError('OPSBOOK_E_RESTORE_SOURCE', `${source} is not a pg_dump custom-format archive: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (!listed.includes('kysely_migration') || !listed.includes('audit_log')) throw new OpsbookError('OPSBOOK_E_RESTORE_SOURCE', `${source} is a dump but not of an opsbook store (no migrations or audit log)`);
  if (!(await storeIsEmpty(store))) throw new OpsbookError('OPSBOOK_E_RESTORE_NOT_EMPTY', `${store.location} already holds tables; restore into an empty database`);
  await pgTool('pg_restore', ['--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${pgUrl}`, source]);
  return { schema: 'restored', tables: listed.length - 1 };
}

async function dumpTables(file: string): Promise<string[]> {
  const { stdout } = await pgTool('pg_restore', ['--list', file]);
  const tables = new Set<string>();
  for (const line of stdout.split('\n')) {
    const m = /^\d+;\s+\d+\s+\d+\s+TABLE\s+\S+\s+(\S+)\s/.exec(line);
    if (m) tables.add(m[1]!);
  }
  return [...tables].sort();
}

async function pgTool(tool: 'pg_dump' | 'pg_restore', args: string[]): Promise<{ stdout: string }> {
  try {
    return await run(tool, args, { maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') throw new OpsbookError('OPSBOOK_E_BACKUP_FAILED', `${tool} is not installed (PostgreSQL's client tools, e.g. Debian's postgresql-client)`);
    throw new Error(`${tool} failed: ${(err.stderr ?? err.message).trim()}`);
  }
}
