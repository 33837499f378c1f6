import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, gzipSync } from 'node:zlib';
import { OpsbookError } from '../../lib/errors/index.js';
import { postgresBin } from './postgres-cluster.js';

/** How a backup file is written, read from its name as the runbooks name them. */
export type BackupFormat = 'plain' | 'plain-gzip' | 'custom';

export function backupFormat(file: string): BackupFormat {
  if (/\.sql\.gz$|\.gz$/.test(file)) return 'plain-gzip';
  if (/\.(dump|backup|pgdump)$/.test(file)) return 'custom';
  return 'plain';
}

/** Runs a program, optionally feeding `input` to its stdin and writing its stdout to `output`. */
async function pipe(file: string, args: string[], opts: { input?: NodeJS.ReadableStream; output?: NodeJS.WritableStream }): Promise<void> {
  const child = spawn(file, args, { stdio: [opts.input ? 'pipe' : 'ignore', opts.output ? 'pipe' : 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const streams: Promise<void>[] = [];
  if (opts.input) streams.push(pipeline(opts.input, child.stdin!));
  if (opts.output) streams.push(pipeline(child.stdout!, opts.output));
  const [code] = await Promise.all([exited, ...streams]);
  if (code !== 0) throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `${file.split('/').at(-1)} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`);
}

/** A real pg_dump of the database into `file`, in the format its name says (.sql.gz, .dump, .sql). */
export async function dumpDatabase(databaseUrl: string, file: string): Promise<void> {
  const format = backupFormat(file);
  const bin = postgresBin();
  const args = ['--dbname', databaseUrl, '--no-owner', '--no-privileges', ...(format === 'custom' ? ['--format=custom'] : ['--format=plain'])];
  const out = createWriteStream(file);
  if (format === 'plain-gzip') {
    const gzip = createGzip();
    await Promise.all([pipe(join(bin, 'pg_dump'), args, { output: gzip }), pipeline(gzip, out)]);
  } else await pipe(join(bin, 'pg_dump'), args, { output: out });
}

/**
 * The world's backups: one real pg_dump per format, copied under each of the spec's names, dated
 * `mtime` (ms). Later faults age, empty or delete them.
 */
export async function writeBackups(databaseUrl: string, dir: string, names: string[], mtime: number): Promise<void> {
  const made = new Map<BackupFormat, string>();
  for (const name of names) {
    const file = join(dir, name);
    const format = backupFormat(name);
    const first = made.get(format);
    if (first) await copyFile(first, file);
    else {
      await dumpDatabase(databaseUrl, file);
      made.set(format, file);
    }
  }
  await setBackupAge(dir, names, mtime);
}

export async function setBackupAge(dir: string, names: string[], mtime: number): Promise<void> {
  for (const name of names) await utimes(join(dir, name), mtime / 1000, mtime / 1000);
}

/** What a failed dump leaves behind: `pg_dump … | gzip` of nothing is 20 bytes, a failed -Fc dump 0. */
export async function emptyBackups(dir: string, names: string[]): Promise<void> {
  for (const name of names) await writeFile(join(dir, name), backupFormat(name) === 'plain-gzip' ? gzipSync(Buffer.alloc(0)) : Buffer.alloc(0));
}

export async function deleteBackups(dir: string, names: string[]): Promise<void> {
  for (const name of names) await rm(join(dir, name), { force: true });
}

export interface RestoreTimings {
  file: string;
  format: BackupFormat;
  /** The backup's own time (its modification time), ms since the epoch. */
  takenAt: number;
  /** Real time the restore took, ms: the achieved recovery time of this step. */
  restoreMs: number;
  /** Tables in the scratch database afterwards (a restore that made none restored nothing). */
  tables: number;
  /** With `at` (the incident's time): at − takenAt, the data a restore from this backup loses (RPO). */
  recoveryPointMs?: number;
}

/**
 * Restores a backup (.sql.gz through gunzip and psql, .dump through pg_restore, .sql through psql)
 * into a scratch database, and says how long it took and how old the data it brings back is.
 */
export async function restoreBackup(file: string, scratchDbUrl: string, options: { at?: number } = {}): Promise<RestoreTimings> {
  const format = backupFormat(file);
  const bin = postgresBin();
  const info = await stat(file).catch(() => {
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `no backup at ${file}`);
  });
  const started = performance.now();
  if (format === 'custom') {
    await pipe(join(bin, 'pg_restore'), ['--dbname', scratchDbUrl, '--no-owner', '--no-privileges', '--exit-on-error', file], {});
  } else {
    const psql = ['--dbname', scratchDbUrl, '--quiet', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '--file', '-'];
    const source = createReadStream(file);
    await pipe(join(bin, 'psql'), psql, { input: format === 'plain-gzip' ? source.pipe(createGunzip()) : source });
  }
  const restoreMs = performance.now() - started;
  const count = await new Promise<string>((resolve, reject) => {
    const c = spawn(join(bin, 'psql'), ['--dbname', scratchDbUrl, '-Atc', "select count(*) from pg_tables where schemaname not in ('pg_catalog', 'information_schema')"]);
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.once('error', reject);
    c.once('close', () => resolve(out.trim()));
  });
  return {
    file, format, takenAt: info.mtimeMs, restoreMs, tables: Number(count) || 0,
    ...(options.at !== undefined ? { recoveryPointMs: options.at - info.mtimeMs } : {}),
  };
}
