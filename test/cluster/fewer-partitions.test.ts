/**
 * `storage.cluster.partitions` lowered: the lease table still holds rows of the partitions that are
 * gone (7 here, the config now says 3). A process takes only the partitions of its config — never a
 * gone one, which would count against its share while a partition that exists stayed unheld and
 * its checks ran nowhere. One daemon on a fresh PostgreSQL database.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { clusterDaemon, clusterStorage } from '../support/cluster-daemon.js';
import { scaled } from '../support/timing.js';

const pgUp = await postgresUp();

describe.skipIf(!pgUp)('a lowered partition count', () => {
  const cluster = clusterDaemon({
    prefix: 'fewer-partitions',
    t0: Date.now(),
    // Left by processes configured with seven partitions: every lease free.
    before: async (store) => {
      for (let p = 0; p < 7; p++) await sql`insert into cluster_leases (name, holder, epoch, acquired_at, expires_at) values (${`checks/0${p}`}, null, 1, 0, 0)`.execute(store.db);
    },
    config: (url) => clusterStorage(url, 3),
  });

  it('takes every configured partition and none of the gone ones', async () => {
    const { server, store } = cluster;
    await expect.poll(() => [...(server.daemon.cluster?.leases.keys() ?? [])].sort(), { timeout: scaled(30_000), interval: 50 }).toEqual(['checks/00', 'checks/01', 'checks/02', 'singletons']);
    const held = await store.db.selectFrom('cluster_leases').select('name').where('holder', 'is not', null).orderBy('name').execute();
    expect(held.map((l) => l.name)).toEqual(['checks/00', 'checks/01', 'checks/02', 'singletons']);
  }, scaled(60_000));
});
