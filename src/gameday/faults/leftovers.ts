import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * What this process's game-day worlds hold outside themselves — child processes, temp directories,
 * databases on the shared server — written to `opsbook-gameday-owner-<pid>.json` in the temp dir as
 * it changes. A process killed outright (SIGKILL, the machine's OOM killer) cannot clean up; the next
 * world built on this machine finds its file, sees the owner is gone, and removes what it lists.
 */
interface Holdings {
  pid: number;
  processes: Array<{ pid: number; command: string }>;
  dirs: string[];
  databases: Array<{ adminUrl: string; name: string }>;
}

const PREFIX = 'opsbook-gameday-owner-';
const file = (): string => join(tmpdir(), `${PREFIX}${process.pid}.json`);
const mine: Holdings = { pid: process.pid, processes: [], dirs: [], databases: [] };

function save(): void {
  try {
    if (mine.processes.length + mine.dirs.length + mine.databases.length === 0) rmSync(file(), { force: true });
    else writeFileSync(file(), JSON.stringify(mine));
  } catch {
    // The record is a safety net; a full temp dir must not fail the game day.
  }
}

export function recordProcess(pid: number | undefined, command: string): () => void {
  if (pid === undefined) return () => {};
  const entry = { pid, command: command.split('/').at(-1)! };
  mine.processes.push(entry);
  save();
  return () => {
    mine.processes = mine.processes.filter((p) => p !== entry);
    save();
  };
}

/** Records a temp directory a world made; the returned function forgets it once removed. */
export function recordDir(dir: string): () => void {
  mine.dirs.push(dir);
  save();
  return () => {
    mine.dirs = mine.dirs.filter((d) => d !== dir);
    save();
  };
}

/** Records a database made on a shared server; the returned function forgets it once dropped. */
export function recordDatabase(adminUrl: string, name: string): () => void {
  const entry = { adminUrl, name };
  mine.databases.push(entry);
  save();
  return () => {
    mine.databases = mine.databases.filter((d) => d !== entry);
    save();
  };
}

/** The databases this process's worlds hold right now (names), e.g. to show a run left none behind. */
export function heldDatabases(): string[] {
  return mine.databases.map((d) => d.name);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * Removes what this process's worlds hold, at once (a signal is ending it): recorded processes
 * killed, databases dropped, directories removed. The worlds' own close() is not waited for.
 */
export async function releaseHoldings(): Promise<void> {
  await release(mine);
  mine.processes = [];
  mine.dirs = [];
  mine.databases = [];
  save();
}

async function release(held: Holdings): Promise<void> {
  for (const p of held.processes) {
    // Only the process recorded: a pid reused by something else is left alone.
    if (!commandOf(p.pid).includes(p.command)) continue;
    try {
      process.kill(p.pid, 'SIGCONT');
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  for (const d of held.databases) {
    const c = new pg.Client({ connectionString: d.adminUrl, connectionTimeoutMillis: 5000 });
    c.on('error', () => {});
    await c.connect().then(() => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(d.name)} WITH (FORCE)`)).catch(() => {});
    await c.end().catch(() => {});
  }
  // A killed postmaster's data directory is safe to remove once its processes are gone.
  await new Promise((r) => setTimeout(r, 200));
  for (const d of held.dirs) await rm(d, { recursive: true, force: true }).catch(() => {});
}

/** Removes what worlds of processes that no longer exist left behind. Returns how many owners it cleaned. */
export async function sweepLeftovers(): Promise<number> {
  let names: string[];
  try {
    names = readdirSync(tmpdir()).filter((n) => n.startsWith(PREFIX) && n.endsWith('.json'));
  } catch {
    return 0;
  }
  let cleaned = 0;
  for (const name of names) {
    const path = join(tmpdir(), name);
    let held: Holdings;
    try {
      held = JSON.parse(readFileSync(path, 'utf8')) as Holdings;
    } catch {
      continue;
    }
    if (held.pid === process.pid || alive(held.pid)) continue;
    await release(held);
    rmSync(path, { force: true });
    cleaned++;
  }
  return cleaned;
}
