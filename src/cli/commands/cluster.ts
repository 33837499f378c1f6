import type { RegisterCommands } from '../context.js';
import { openLocal } from '../local.js';
import { callApi, remoteFrom } from '../remote.js';
import type { ClusterStatus } from '../../cluster/index.js';

type Answer = ClusterStatus & { self?: string | null };

/** Who runs what: from the store the config names, or from the daemon given by `--server`. */
async function readStatus(opts: { config?: string; server?: string; token?: string }, env: NodeJS.ProcessEnv): Promise<Answer> {
  const remote = remoteFrom(opts, env);
  if (remote) return callApi(remote, 'GET', '/api/cluster');
  const { clusterStatus } = await import('../../cluster/index.js');
  const local = await openLocal(opts.config, env);
  try {
    return await clusterStatus(local.store, local.config.checks.map((c) => c.id), local.config.storage.cluster.partitions);
  } finally {
    await local.close();
  }
}

const secs = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)}s`);

/** `opsbook cluster status [--json]`: the processes sharing the store, their leases and checks. */
export const registerCluster: RegisterCommands = (program, io) => {
  const cluster = program.command('cluster').description('Several opsbook processes on one PostgreSQL: who runs which checks.');
  cluster
    .command('status')
    .description('The processes sharing the store: heartbeat, leases (with fencing epochs), checks each runs; writes fencing refused.')
    .option('-c, --config <path>', 'ops.yaml or a directory of YAML files (default: $OPSBOOK_CONFIG, ./ops.yaml, ./ops/)')
    .option('--json', 'print as JSON')
    .option('--server <url>', 'a running opsbook to ask (default: OPSBOOK_SERVER; else the local store)')
    .option('--token <token>', 'API token for --server (default: OPSBOOK_TOKEN)')
    .action(async (opts: { config?: string; json?: boolean; server?: string; token?: string }) => {
      const s = await readStatus(opts, io.env);
      process.exitCode = 0;
      if (opts.json) return io.out(JSON.stringify(s, null, 2));
      if (!s.clustered) return io.out('not clustered: the store is SQLite, one process runs everything');
      const alive = s.members.filter((m) => m.alive);
      io.out(`${alive.length} live process(es), ${s.leases.filter((l) => l.holder).length}/${s.leases.length} leases held, ${s.unowned_checks.length} check(s) unowned; fencing refused ${s.fencing.rejected} write(s)`);
      for (const m of s.members) {
        io.out(`${m.alive ? '●' : '○'} ${m.id}${m.name ? ` "${m.name}"` : ''}${m.id === s.self ? ' (answered)' : ''}${m.superseded_by ? ` (superseded by ${m.superseded_by})` : ''}${typeof m.draining_since === 'number' ? ' (stopping: draining, counted out of the fair share)' : ''}  ${m.host} pid ${m.pid}  ${m.url}  heartbeat ${secs(m.heartbeat_age_ms)} ago  ${m.leases.length} lease(s)  ${m.checks.length} check(s)`);
      }
      for (const l of s.leases) {
        io.out(`  ${l.name.padEnd(12)} ${l.holder ?? 'free'}  epoch ${l.epoch}  held ${secs(l.held_for_ms)}  expires in ${secs(l.expires_in_ms)}`);
      }
    });
};
