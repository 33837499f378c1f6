/**
 * Several real `opsbook serve` processes (the compiled dist/) on one PostgreSQL database: shared by
 * the cluster tests and `npm run chaos`.
 */
import type { ChildProcess } from 'node:child_process';
import { freePort, waitForHttp } from './net.js';
import { startCli, waitForExit } from './cli.js';
import { sql } from 'kysely';
import { acquireLease, heartbeatMember, openStore, type Store } from '../../src/store/index.js';
import { clusterStatus, partitionLease, type ClusterStatus } from '../../src/cluster/index.js';

export interface ClusterMemberProcess {
  name: string;
  url: string;
  child: ChildProcess;
  output: () => string;
}

/** Starts `opsbook serve` on `config` with OPSBOOK_NODE=`name`; resolves once it answers /_health/live. */
export async function startMember(config: string, name: string, env: NodeJS.ProcessEnv = {}): Promise<ClusterMemberProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const run = startCli(['serve', '--config', config, '--port', String(port), '--no-watch'], { env: { OPSBOOK_NODE: name, ...env } });
  try {
    // A process that exits while starting (a stale dist/, a config error) fails at once with its output.
    const exited = waitForExit(run.child).then(({ code, signal }) => {
      throw new Error(`opsbook serve (${name}) exited while starting (${signal ?? `code ${code}`})`);
    });
    await Promise.race([waitForHttp(`${url}/_health/live`, 60_000, 200, run.child), exited]);
    exited.catch(() => undefined);
  } catch (e) {
    run.child.kill('SIGKILL');
    throw new Error(`${(e as Error).message}\n${run.output()}`);
  }
  return { name, url, child: run.child, output: run.output };
}

/** SIGTERM, then SIGKILL if it has not left after `timeoutMs`. */
export async function stopMember(m: ClusterMemberProcess, timeoutMs = 15_000): Promise<void> {
  if (m.child.exitCode !== null || m.child.signalCode !== null) return;
  m.child.kill('SIGCONT');
  const exited = waitForExit(m.child);
  m.child.kill('SIGTERM');
  const timer = setTimeout(() => m.child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

/** Reads who runs what from the database, as `opsbook cluster status` does. */
export class ClusterWatch {
  private constructor(readonly store: Store, private readonly checkIds: string[], private readonly partitions: number) {}

  static async open(url: string, checkIds: string[], partitions: number): Promise<ClusterWatch> {
    return new ClusterWatch(await openStore({ url, poolSize: 2 }), checkIds, partitions);
  }

  status(): Promise<ClusterStatus> {
    return clusterStatus(this.store, this.checkIds, this.partitions);
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/**
 * Writes a second, live member `id` straight into the cluster's tables, with the partition leases
 * (and the singletons lease) created unheld and `held` of them taken by `id` for `leaseMs`: an
 * in-process daemon started next on this database then takes the rest as its fair share.
 */
export async function otherMemberHolding(db: Store['db'], id: string, partitions: number, held: number[], leaseMs: number): Promise<void> {
  await heartbeatMember(db, { id, host: 'elsewhere', pid: 1, url: 'http://127.0.0.1:1', started_at: 0 }, leaseMs);
  await sql`insert into cluster_leases (name, holder, epoch, acquired_at, expires_at) values ${sql.join(
    Array.from({ length: partitions }, (_, p) => sql`(${partitionLease(p)}, null, 0, 0, 0)`),
  )}, ('singletons', null, 0, 0, 0) on conflict do nothing`.execute(db);
  for (const p of held) {
    if (!(await acquireLease(db, partitionLease(p), id, leaseMs))) throw new Error(`${id} could not take ${partitionLease(p)}`);
  }
}
