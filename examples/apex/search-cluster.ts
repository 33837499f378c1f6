/**
 * The OpenSearch cluster the APEX stand-in plays (no OpenSearch server here): three data nodes, each
 * a real process on loopback (a tiny listener on its own transport port), and the shards of two
 * indices allocated on them. `_cluster/health` is computed from which node processes accept a
 * connection now: a copy on a node that is gone is unassigned; a shard with no live copy has lost
 * its primary (red); one that lost a copy but keeps another is yellow (the replica is promoted).
 * `projects` keeps no replica (it is rebuilt from the database by scripts/reindex_projects.py, the
 * runbook's "Re-index Data"), so losing any node loses one of its primaries.
 */
import { accepts, startPod, stopPod, type Pod } from '../support/pods.js';

const NODES = ['opensearch-0', 'opensearch-1', 'opensearch-2'] as const;

/** Each shard's copies, the primary first, by node. */
const SHARDS: ReadonlyArray<{ index: string; shard: number; copies: readonly string[] }> = [
  { index: 'projects', shard: 0, copies: ['opensearch-0'] },
  { index: 'projects', shard: 1, copies: ['opensearch-1'] },
  { index: 'projects', shard: 2, copies: ['opensearch-2'] },
  { index: 'signage-assets', shard: 0, copies: ['opensearch-0', 'opensearch-1'] },
  { index: 'signage-assets', shard: 1, copies: ['opensearch-1', 'opensearch-2'] },
];

export interface ClusterHealth {
  cluster_name: string;
  status: 'green' | 'yellow' | 'red';
  timed_out: false;
  number_of_nodes: number;
  number_of_data_nodes: number;
  active_primary_shards: number;
  active_shards: number;
  relocating_shards: 0;
  initializing_shards: 0;
  unassigned_shards: number;
  delayed_unassigned_shards: 0;
  number_of_pending_tasks: 0;
  number_of_in_flight_fetch: 0;
  task_max_waiting_in_queue_millis: 0;
  active_shards_percent_as_number: number;
}

export interface SearchCluster {
  /** The cluster's health as OpenSearch computes it, from the node processes alive now. */
  health(): Promise<ClusterHealth>;
  /** Kills the node's process (SIGKILL), as a node crash or an OOM kill would; a node already gone stays gone. */
  kill(node: string): Promise<void>;
  /** Starts every node whose process is not running (a statefulset's pods coming back). */
  startMissing(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startSearchCluster(): Promise<SearchCluster> {
  const nodes = new Map<string, Pod>();
  for (const [name, node] of await Promise.all(NODES.map(async (n) => [n, await startPod(n)] as const))) nodes.set(name, node);
  const live = async (): Promise<Set<string>> => {
    const up = await Promise.all(NODES.map(async (n) => [n, nodes.has(n) && (await accepts(nodes.get(n)!.port))] as const));
    return new Set(up.filter(([, ok]) => ok).map(([n]) => n));
  };
  return {
    health: async () => {
      const alive = await live();
      let primaries = 0;
      let active = 0;
      let unassigned = 0;
      let primaryLost = false;
      let copyLost = false;
      for (const s of SHARDS) {
        const liveCopies = s.copies.filter((n) => alive.has(n)).length;
        active += liveCopies;
        unassigned += s.copies.length - liveCopies;
        if (liveCopies > 0) primaries += 1;
        else primaryLost = true;
        if (liveCopies < s.copies.length) copyLost = true;
      }
      const total = SHARDS.reduce((n, s) => n + s.copies.length, 0);
      return {
        cluster_name: 'apex-search', status: primaryLost ? 'red' : copyLost ? 'yellow' : 'green', timed_out: false,
        number_of_nodes: alive.size, number_of_data_nodes: alive.size, active_primary_shards: primaries, active_shards: active,
        relocating_shards: 0, initializing_shards: 0, unassigned_shards: unassigned, delayed_unassigned_shards: 0,
        number_of_pending_tasks: 0, number_of_in_flight_fetch: 0, task_max_waiting_in_queue_millis: 0,
        active_shards_percent_as_number: Math.round((active / total) * 1000) / 10,
      };
    },
    kill: async (name) => {
      if (!(NODES as readonly string[]).includes(name)) throw new Error(`no OpenSearch node ${name} (nodes: ${NODES.join(', ')})`);
      const node = nodes.get(name);
      if (!node) return;
      await stopPod(node);
      nodes.delete(name);
    },
    startMissing: async () => {
      const missing = NODES.filter((n) => !nodes.has(n) || nodes.get(n)!.child.exitCode !== null || nodes.get(n)!.child.signalCode !== null);
      for (const n of missing) nodes.set(n, await startPod(n));
      return missing;
    },
    close: async () => {
      await Promise.all([...nodes.values()].map(stopPod));
      nodes.clear();
    },
  };
}
