import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { OpsbookError } from '../lib/errors/index.js';
import { createScratchDatabase, type ScratchDatabase } from '../store/index.js';
import { freePort } from '../lib/net.js';
import { running, spawnTracked, stopProcess } from './faults/processes.js';

/** How long a (re)started redis-server has to answer. */
const START_WAIT_MS = 60_000;

export { freePort } from '../lib/net.js';

/** The PostgreSQL a game day makes its database in (trust auth on loopback, as in CI). */
export const DEFAULT_PG_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/test';

export type GameDayDatabase = ScratchDatabase;

/**
 * A fresh database for one game day; `drop()` removes it (connections and all). Its commits do not
 * wait for the WAL flush (synchronous_commit off for every session in it): it is dropped at the end
 * of the run and never outlives a crash of the server, and the world's databases and opsbook's
 * store on the shared server would otherwise queue every check's write behind each other's fsync.
 * What a commit makes visible, and when, is unchanged.
 */
export async function createDatabase(adminUrl: string, system: string): Promise<GameDayDatabase> {
  const name = `opsbook_gameday_${system.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  try {
    return await createScratchDatabase(adminUrl, name, { synchronous_commit: 'off' });
  } catch (e) {
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `cannot create a database on ${new URL(adminUrl).host}: ${(e as Error).message}`);
  }
}

export interface RedisServer {
  url: string;
  port: number;
  /** The outage: the server stops (SIGKILL, nothing saved). */
  stop(): Promise<void>;
  /** Back on the same port, empty. */
  start(): Promise<void>;
  /** The stall: SIGSTOP, so connections are accepted and nothing is answered. */
  freeze(): Promise<void>;
  /** SIGCONT: it answers again, its data intact. */
  thaw(): Promise<void>;
}

/**
 * A private redis-server on a free loopback port: the seeds' key names are safe in it, and stopping
 * it is the "Redis down" scenario without touching anyone else's Redis.
 */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  let frozen = false;
  const start = async (): Promise<void> => {
    // A second server on the same port would die on bind while the first answered the ping.
    if (running(child)) return;
    frozen = false;
    const proc = spawnTracked('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
    child = proc;
    const spawned = await new Promise<Error | undefined>((resolve) => {
      proc.once('spawn', () => resolve(undefined));
      proc.once('error', (e: Error) => resolve(e));
    });
    if (spawned) throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `cannot start redis-server: ${spawned.message}`);
    const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    // Start-up takes milliseconds on a quiet machine and seconds on a loaded one: a generous bound,
    // left as soon as it answers, or at once when the server exited (its port taken).
    const deadline = Date.now() + START_WAIT_MS;
    while (Date.now() < deadline && proc.exitCode === null && proc.signalCode === null) {
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch {
        client.disconnect();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const why = proc.exitCode !== null || proc.signalCode !== null ? `exited (${proc.exitCode ?? proc.signalCode})` : `did not answer within ${START_WAIT_MS / 1000} s`;
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `redis-server on port ${port} ${why}`);
  };
  const stop = async (): Promise<void> => {
    await stopProcess(child);
    frozen = false;
  };
  const freeze = async (): Promise<void> => {
    if (!running(child) || frozen) return;
    child!.kill('SIGSTOP');
    frozen = true;
  };
  const thaw = async (): Promise<void> => {
    if (!running(child) || !frozen) return;
    child!.kill('SIGCONT');
    frozen = false;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop, freeze, thaw };
}
