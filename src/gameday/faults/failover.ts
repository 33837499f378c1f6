import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { OpsbookError } from '../../lib/errors/index.js';
import { withPgClient } from './pg-client.js';
import { freePort } from '../../lib/net.js';
import { runProgram, stopProcess } from './processes.js';
import type { TcpProxy } from './socket-proxy.js';

/** One PostgreSQL server of the private cluster: its data directory, real loopback port and process. */
export interface PostgresNode {
  dir: string;
  port: number;
  child: ChildProcess;
}

/** What the failover acts on, handed over by the cluster that made them. */
export interface FailoverParts {
  bin: string;
  user: { uid: number; gid: number } | undefined;
  /** The cluster's directory, where a new standby's data directory goes. */
  root: string;
  primary: PostgresNode;
  replica: PostgresNode;
  /** The address every client of the primary uses (`${GAMEDAY_PG_URL}`): a loopback proxy. */
  primaryAddress: TcpProxy;
  /** The address of the replica (`${GAMEDAY_PG_REPLICA_URL}`): a loopback proxy. */
  replicaAddress: TcpProxy;
  /** The primary's and a standby's server settings, as the cluster started them. */
  primaryArgs: string[];
  standbyArgs: string[];
  /** Starts a server on a data directory and port, answering queries when it resolves. */
  start(dataDir: string, port: number, extra: string[]): Promise<ChildProcess>;
  /** Waits until the server at the URL has a streaming standby. */
  waitStreaming(primaryUrl: string): Promise<void>;
  /** Hands a server the failover started to the cluster, which stops it on close. */
  track(child: ChildProcess): void;
}

export type FailoverState = 'healthy' | 'primary-down' | 'promoted';

export interface PrimaryFailover {
  /** The primary stops as a crash stops it: immediate shutdown; its address then refuses connections. */
  stopPrimary(): Promise<void>;
  /** The runbook's promote, for real (`pg_ctl promote -w` on the replica); the primary's address then reaches it. Returns pg_ctl's output. */
  promote(): Promise<string>;
  /** A primary with a streaming replica again, behind the same two addresses. */
  restore(): Promise<void>;
  state(): FailoverState;
}

const url = (port: number): string => `postgres://postgres@127.0.0.1:${port}/postgres`;

/**
 * Emergency failover on a real primary and its pg_basebackup streaming replica. Clients reach both
 * through loopback addresses that stay put (the runbook's `DB_PRIMARY_HOST` in `.env`, which the
 * application is restarted to read): the promote re-points the primary's address to the promoted
 * server, as that configuration change would. The primary is stopped with SIGQUIT, PostgreSQL's
 * immediate shutdown (what `pg_ctl stop -m immediate` sends): no checkpoint, sessions cut.
 * `restore` leaves a healthy pair again: the old primary started afresh when nobody promoted,
 * otherwise a new standby pg_basebackup'd from the promoted server (the runbook's "Reconfigure
 * Remaining Replicas"), reached at the replica's address.
 */
export function primaryFailover(parts: FailoverParts): PrimaryFailover {
  let state: FailoverState = 'healthy';
  let primary = parts.primary;
  let replica = parts.replica;
  let standbys = 0;
  const inRecovery = (port: number): Promise<boolean> =>
    withPgClient(url(port), async (c) => (await c.query<{ r: boolean }>('select pg_is_in_recovery() as r')).rows[0]!.r);
  return {
    state: () => state,
    stopPrimary: async () => {
      if (state !== 'healthy') return;
      await stopProcess(primary.child, 'SIGQUIT', 10_000);
      // Nothing listens at a stopped server's address: connections are refused, not cut.
      await parts.primaryAddress.setMode('refuse');
      state = 'primary-down';
    },
    promote: async () => {
      if (state === 'healthy') {
        throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', 'the primary is running: promoting its replica now would leave two primaries (split brain), so the world refuses');
      }
      if (state === 'promoted') throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', 'the replica was promoted already: server is not in standby mode');
      const out = await runProgram(join(parts.bin, 'pg_ctl'), ['promote', '-w', '-t', '120', '-D', replica.dir], { user: parts.user });
      if (await inRecovery(replica.port)) throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `pg_ctl promote returned, yet the replica is still in recovery: ${out.trim()}`);
      parts.primaryAddress.setTarget({ host: '127.0.0.1', port: replica.port });
      await parts.primaryAddress.setMode('forward');
      state = 'promoted';
      return out;
    },
    restore: async () => {
      if (state === 'healthy') return;
      if (state === 'primary-down') {
        // Nobody promoted: the old primary starts again (crash recovery) and the replica streams from it.
        primary = { ...primary, child: await parts.start(primary.dir, primary.port, parts.primaryArgs) };
        parts.track(primary.child);
        await parts.primaryAddress.setMode('forward');
        await parts.waitStreaming(url(primary.port));
        state = 'healthy';
        return;
      }
      const dir = join(parts.root, `standby-${++standbys}`);
      await runProgram(join(parts.bin, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(replica.port), '-U', 'postgres', '-D', dir, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'], { user: parts.user });
      const port = await freePort();
      const child = await parts.start(dir, port, parts.standbyArgs);
      parts.track(child);
      parts.replicaAddress.setTarget({ host: '127.0.0.1', port });
      // Sessions still open at the replica's address are on the promoted server: closed, so the next reaches the standby.
      parts.replicaAddress.dropConnections();
      await parts.waitStreaming(url(replica.port));
      const old = primary;
      primary = replica;
      replica = { dir, port, child };
      await rm(old.dir, { recursive: true, force: true });
      state = 'healthy';
    },
  };
}
