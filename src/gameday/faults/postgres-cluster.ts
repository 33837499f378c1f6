import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../lib/net.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { primaryFailover, type PrimaryFailover } from './failover.js';
import { recordDir } from './leftovers.js';
import { postgresUser, runProgram, spawnTracked, stopProcess } from './processes.js';
import { startTcpProxy, type TcpProxy } from './socket-proxy.js';

/** The newest PostgreSQL server programs installed (Debian: /usr/lib/postgresql/<major>/bin). */
export function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'initdb'))) : [];
  if (majors.length === 0) throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', 'no PostgreSQL server programs under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
  return join(root, majors.sort((a, b) => Number(b) - Number(a))[0]!, 'bin');
}

export interface PrivatePostgresOptions {
  /** The server's max_connections: small, so holding connections exhausts it quickly. */
  maxConnections: number;
  /** A streaming replica made with pg_basebackup from the primary. */
  replica: boolean;
  /** WAL archiving on: archive_command copies each finished segment into `walArchiveDir`. */
  archive?: boolean;
  /**
   * Clients reach the primary and the replica through loopback addresses that stay put (proxies),
   * so the replica can be promoted and the primary's address re-pointed to it. Needs `replica`.
   */
  failover?: boolean;
}

export interface PostgresServer {
  port: number;
  /** postgres://postgres@127.0.0.1:PORT/<database> */
  url(database?: string): string;
}

export interface PrivatePostgres extends PostgresServer {
  maxConnections: number;
  replica?: PostgresServer;
  /** Where archive_command copies the WAL segments, when archiving is on. */
  walArchiveDir?: string;
  /** Stopping the primary, promoting the replica and mending, with `failover`. */
  failover?: PrimaryFailover;
  /** Stops both servers and removes their data directories. */
  close(): Promise<void>;
}

/** Settings that make a throwaway cluster quick; durability is not the point of a game-day world. */
const QUICK = ['-c', 'fsync=off', '-c', 'full_page_writes=off', '-c', 'shared_buffers=16MB', '-c', 'unix_socket_directories='];

/**
 * A private PostgreSQL cluster on loopback ports for one game-day world: a copy of an initdb'd
 * directory (see initdbOnce) in a temp dir, wal_level=replica, a small max_connections; with `replica`, a second cluster made by
 * pg_basebackup that streams from it (hot standby, status every second so the primary's
 * pg_stat_replication follows replay closely). Never touches the shared server's configuration.
 */
export async function startPrivatePostgres(options: PrivatePostgresOptions): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const user = postgresUser();
  const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-pg-'));
  const forget = recordDir(dir);
  const servers: ChildProcess[] = [];
  const proxies: TcpProxy[] = [];
  const close = async (): Promise<void> => {
    for (const p of proxies.splice(0)) await p.close();
    // Replica first, so the primary's walsender does not wait on it; SIGINT is PostgreSQL's fast shutdown.
    for (const s of servers.splice(0).reverse()) await stopProcess(s, 'SIGINT', 5000);
    await rm(dir, { recursive: true, force: true });
    forget();
  };
  try {
    if (user) await chown(dir, user.uid, user.gid);
    const primaryDir = join(dir, 'primary');
    await runProgram('cp', ['-a', await initdbOnce(bin, user), primaryDir], { user });
    const port = await freePort();
    let walArchiveDir: string | undefined;
    const archiving: string[] = [];
    if (options.archive) {
      walArchiveDir = join(dir, 'wal-archive');
      await mkdir(walArchiveDir, { mode: 0o700 });
      if (user) await chown(walArchiveDir, user.uid, user.gid);
      archiving.push('-c', 'archive_mode=on', '-c', `archive_command=test ! -f ${walArchiveDir}/%f && cp %p ${walArchiveDir}/%f`);
    }
    const primaryArgs = ['-c', 'wal_level=replica', '-c', `max_connections=${options.maxConnections}`, '-c', 'max_wal_senders=4', ...archiving];
    servers.push(await startServer(bin, primaryDir, port, user, primaryArgs));
    let primary = server(port);
    let replica: PostgresServer | undefined;
    let failover: PrimaryFailover | undefined;
    if (options.replica) {
      const replicaDir = join(dir, 'replica');
      await runProgram(join(bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'], { user });
      const replicaPort = await freePort();
      const standbyArgs = ['-c', 'hot_standby=on', '-c', 'wal_receiver_status_interval=1s', '-c', `max_connections=${options.maxConnections}`];
      servers.push(await startServer(bin, replicaDir, replicaPort, user, standbyArgs));
      replica = server(replicaPort);
      await waitStreaming(primary.url());
      if (options.failover) {
        const primaryAddress = await startTcpProxy({ host: '127.0.0.1', port });
        proxies.push(primaryAddress);
        const replicaAddress = await startTcpProxy({ host: '127.0.0.1', port: replicaPort });
        proxies.push(replicaAddress);
        failover = primaryFailover({
          bin, user, root: dir, primaryArgs, standbyArgs, primaryAddress, replicaAddress,
          primary: { dir: primaryDir, port, child: servers[0]! },
          replica: { dir: replicaDir, port: replicaPort, child: servers[1]! },
          start: (dataDir, p, extra) => startServer(bin, dataDir, p, user, extra),
          waitStreaming,
          track: (child) => servers.push(child),
        });
        primary = server(primaryAddress.port);
        replica = server(replicaAddress.port);
      }
    }
    return { ...primary, maxConnections: options.maxConnections, ...(replica ? { replica } : {}), ...(walArchiveDir ? { walArchiveDir } : {}), ...(failover ? { failover } : {}), close };
  } catch (e) {
    await close();
    throw e;
  }
}

let initialized: Promise<string> | undefined;

/**
 * WAL segments of 1 MB instead of 16: every world copies the initdb'd directory, pg_basebackup streams
 * its replica the current segment, and archive_command copies each finished one; a world writes far
 * less than a segment, so most of each 16 MB was zeros copied from file to file.
 */
const WAL_SEGMENT_MB = 1;

/**
 * A freshly initdb'd data directory that is never started: every private cluster starts as a copy
 * of it (`cp -a`, as the postgres user) — initdb costs seconds of CPU per world, a copy a fraction.
 * Kept in the temp dir per PostgreSQL version and user as a cache (made whole, then renamed into
 * place, so processes side by side never see half of one); `initdb` again when it is missing.
 */
function initdbOnce(bin: string, user: { uid: number; gid: number } | undefined): Promise<string> {
  const making = (initialized ??= (async () => {
    const cache = join(tmpdir(), `opsbook-gameday-pginit-${basename(dirname(bin))}-${user?.uid ?? process.getuid?.() ?? 0}-wal${WAL_SEGMENT_MB}m`);
    if (existsSync(join(cache, 'PG_VERSION'))) return cache;
    const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-pg-'));
    const forget = recordDir(dir);
    try {
      if (user) await chown(dir, user.uid, user.gid);
      const data = join(dir, 'data');
      await runProgram(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--no-instructions', '--locale=C', `--wal-segsize=${WAL_SEGMENT_MB}`], { user });
      // Another process may have put its copy in place meanwhile: then that one is used.
      await rename(data, cache).catch(() => undefined);
      if (!existsSync(join(cache, 'PG_VERSION'))) throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `cannot keep an initdb'd directory at ${cache}`);
      return cache;
    } finally {
      await rm(dir, { recursive: true, force: true });
      forget();
    }
  })());
  // A failed initdb is tried again by the next world rather than remembered.
  making.catch(() => {
    if (initialized === making) initialized = undefined;
  });
  return making;
}

function server(port: number): PostgresServer {
  return { port, url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}` };
}

export async function startServer(bin: string, dataDir: string, port: number, user: { uid: number; gid: number } | undefined, extra: string[]): Promise<ChildProcess> {
  let log = '';
  const child = spawnTracked(join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', ...QUICK, ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  child.stderr?.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-2000)));
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // Start-up is crash recovery on a replica: a generous bound, left as soon as it answers.
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) break;
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('select 1');
      await c.end();
      return child;
    } catch {
      await c.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await stopProcess(child);
  throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `private PostgreSQL on port ${port} did not start: ${log.trim().split('\n').slice(-3).join(' ')}`);
}

async function waitStreaming(primaryUrl: string): Promise<void> {
  const c = new pg.Client({ connectionString: primaryUrl });
  await c.connect();
  try {
    for (let i = 0; i < 300; i++) {
      const r = await c.query<{ n: string }>("select count(*) as n from pg_stat_replication where state = 'streaming'");
      if (Number(r.rows[0]!.n) > 0) return;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', 'the private replica did not start streaming within 30 s');
  } finally {
    await c.end();
  }
}
