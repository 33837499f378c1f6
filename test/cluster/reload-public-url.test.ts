/**
 * A reload on a member of a cluster: a new `server.public_url` reaches the member row other
 * processes and `opsbook cluster status` show (it was kept from the start before), and a changed
 * `storage.cluster.lease` or `partitions` is named as needing a restart while the member goes on
 * under the running ones. One daemon on a fresh PostgreSQL database.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { clusterDaemon, clusterStorage } from '../support/cluster-daemon.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();

describe.skipIf(!pgUp)('a config reload on a member of a cluster and its settings', () => {
  const cluster = clusterDaemon({ prefix: 'reload-public-url', config: (url) => clusterStorage(url, 2, '3s') });
  const memberUrl = async () => (await cluster.store.db.selectFrom('cluster_members').select('url').where('id', '=', cluster.server.daemon.cluster!.id).executeTakeFirst())?.url;
  const restartNeeded = async () =>
    (await cluster.server.daemon.metrics.registry.metrics())
      .split('\n')
      .filter((l) => l.startsWith('opsbook_config_restart_needed{'))
      .sort();

  it('shows the new public URL in the member row, and names the lease and partitions', async () => {
    await expect.poll(memberUrl, { timeout: scaled(15_000) }).toBe('http://127.0.0.1:4100');
    fs.writeFileSync(path.join(cluster.server.dir, 'ops.yaml'), `${clusterStorage(cluster.url, 3, '4s')}server: { public_url: "https://ops-1.example.org" }\n`);
    await expect(cluster.server.daemon.reload()).resolves.toBe(true);
    await expect.poll(memberUrl, { timeout: scaled(15_000) }).toBe('https://ops-1.example.org');
    expect(await restartNeeded()).toEqual(['opsbook_config_restart_needed{setting="storage.cluster.lease"} 1', 'opsbook_config_restart_needed{setting="storage.cluster.partitions"} 1']);
    // The parts that read the partitions and the lease at use read the running ones.
    expect(cluster.server.daemon.config.storage.cluster).toMatchObject({ partitions: 2, lease: 3000 });
  }, scaled(60_000));
});
