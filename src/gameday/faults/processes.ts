import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { promisify } from 'node:util';
import { OpsbookError } from '../../lib/errors/index.js';
import { recordProcess, releaseHoldings } from './leftovers.js';

const execFileP = promisify(execFile);

/** Child processes of game-day worlds still running, killed when this process exits for any reason. */
const live = new Set<ChildProcess>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // 'exit' runs on a normal end, process.exit() and an uncaught exception: a world closed by nobody
  // (a crash mid-scenario) still leaves no server behind. SIGKILL of the Node process itself is
  // covered by the leftovers sweep at the next world build.
  process.once('exit', killLive);
  // Ctrl-C, a terminal closed, a CI job cancelled: Node's default for these signals is to exit at
  // once, running no 'exit' listener, so every server, stand-in and worker of the worlds would stay.
  // They are killed, the worlds' databases dropped and directories removed (a few seconds at most),
  // then the process ends as the signal would have ended it. A second signal ends it at once.
  for (const signal of STOP_SIGNALS) process.once(signal, () => void stopOnSignal(signal));
}

const STOP_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function killLive(): void {
  for (const c of live) {
    try {
      if (c.pid) process.kill(c.pid, 'SIGCONT');
      c.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Set once a signal stops the game day: no world process starts after it. */
let stopping = false;

async function stopOnSignal(signal: NodeJS.Signals): Promise<void> {
  stopping = true;
  for (const s of STOP_SIGNALS) process.removeAllListeners(s);
  // The code still building or driving a world sees its processes die under it (a stand-in that
  // "did not start", a refused probe): those errors are the stop's own, and must not end the
  // process with their code before the worlds are cleaned up and it exits as the signal would.
  process.on('uncaughtException', () => {});
  process.on('unhandledRejection', () => {});
  killLive();
  await Promise.race([releaseHoldings(), new Promise((r) => setTimeout(r, 5000).unref())]);
  process.exit(128 + (constants.signals[signal] ?? 2));
}

/** Spawns a world process that is killed when this process exits, if nobody stopped it before. */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  if (stopping) throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `not starting ${command}: the game day is stopping on a signal`);
  hookExit();
  const child = spawn(command, args, options);
  child.on('error', () => {});
  live.add(child);
  const forget = recordProcess(child.pid, command);
  child.once('exit', () => {
    live.delete(child);
    forget();
  });
  return child;
}

export function running(child: ChildProcess | undefined): boolean {
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** Sends `signal`, and SIGKILL if the process has not exited within `graceMs`; resolves on exit. */
export function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGKILL', graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    if (!child || !running(child)) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    // A stopped (SIGSTOP) process handles no signal but SIGKILL until it is continued.
    child.kill('SIGCONT');
    child.kill(signal);
  });
}

/**
 * The uid/gid PostgreSQL's own programs run as: initdb and postgres refuse to run as root, so as
 * root they run as the `postgres` system user; otherwise as ourselves.
 */
export function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('postgres:'));
  if (!line) throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', 'running as root, and there is no `postgres` user to run a private PostgreSQL as');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Runs a program to completion (as `user` when given); its stderr is in the error. */
export async function runProgram(file: string, args: string[], opts: { user?: { uid: number; gid: number } | undefined; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  try {
    const { stdout } = await execFileP(file, args, {
      timeout: opts.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
      ...(opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    });
    return stdout;
  } catch (e) {
    const err = e as Error & { stderr?: string };
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `${file.split('/').at(-1)} failed: ${(err.stderr || err.message).trim().split('\n').slice(-3).join(' ')}`);
  }
}
