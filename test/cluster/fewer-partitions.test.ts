/**
 * `storage.cluster.partitions` lowered: the lease table still holds rows of the partitions that are
 * gone (7 here, the config now says 3). A process takes only the partitions of its config — never a
 * gone one, which would count against its share while a partition that exists stayed unheld and
 * its checks ran nowhere. One daemon on a fresh PostgreSQL database.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { openStore, type ScratchDatabase, type Store } from '../../src/store/index.js';
import { createTestDatabase, postgresUp } from '../support/services.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

const pgUp = await postgresUp();

describe.skipIf(!pgUp)('a lowered partition count', () => {
  let db: ScratchDatabase;
  let store: Store;
  let server: DaemonApp;

  beforeAll(async () => {
    db = await createTestDatabase('opsbook_fewer_partitions');
    store = await openStore({ url: db.url });
    await store.migrate();
    // Left by processes configured with seven partitions: every lease free.
    for (let p = 0; p < 7; p++) await sql`insert into cluster_leases (name, holder, epoch, acquired_at, expires_at) values (${`checks/0${p}`}, null, 1, 0, 0)`.execute(store.db);
    server = await startDaemonApp('fewer-partitions', { 'ops.yaml': `storage:\n  url: "${db.url}"\n  cluster: { lease: 5m, partitions: 3 }\n` }, { clock: new SimulatedClock(Date.now()) });
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    await store?.close();
    await db?.drop();
  }, 60_000);

  it('takes every configured partition and none of the gone ones', async () => {
    await expect.poll(() => [...(server.daemon.cluster?.leases.keys() ?? [])].sort(), { timeout: 30_000, interval: 50 }).toEqual(['checks/00', 'checks/01', 'checks/02', 'singletons']);
    const held = await store.db.selectFrom('cluster_leases').select('name').where('holder', 'is not', null).orderBy('name').execute();
    expect(held.map((l) => l.name)).toEqual(['checks/00', 'checks/01', 'checks/02', 'singletons']);
  }, 60_000);
});
