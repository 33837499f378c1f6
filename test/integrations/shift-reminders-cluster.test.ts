/**
 * Two opsbook processes on one PostgreSQL (two stores, two cluster members): only the holder of the
 * singletons lease sends shift reminders, and even two looks racing without a lease write each
 * reminder once, because the reminder's row is claimed in the transaction that writes its message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterCoordinator } from '../../src/cluster/index.js';
import type { OpsConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/daemon/index.js';
import { ShiftReminders } from '../../src/daemon/shift-reminders.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { openStore, type Store } from '../../src/store/index.js';
import { configLoader } from '../support/config.js';
import { postgresUp } from '../support/services.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';

const load = configLoader('reminders-cluster');
const pg = await postgresUp();
const logger = createLogger({ level: 'silent', pretty: false });

describe.skipIf(!pg)('shift reminders in a cluster', () => {
  let db: { url: string; drop: () => Promise<void> };
  const stores: Store[] = [];
  const members: ClusterCoordinator[] = [];
  let config: OpsConfig;

  beforeAll(async () => {
    db = await createMigratedTestDatabase('reminders_cluster');
    for (let i = 0; i < 2; i++) stores.push(await openStore({ url: db.url }));
    await stores[0]!.migrate();
    const loaded = await load('ops.yaml', `channels:
  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/never", secrets: ["whsec_${Buffer.alloc(32, 7).toString('base64')}"] }
users:
  - { name: ann, contact: [{ kind: webhook, address: "http://127.0.0.1:9/never" }] }
  - { name: bob, contact: [{ kind: webhook, address: "http://127.0.0.1:9/never" }] }
schedules:
  - id: primary
    layers:
      - users: [ann, bob]
        rotation: { length: 1h, handoff: "00:00", start: 2026-03-26 }
`);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    config = loaded.config;
  });
  afterAll(async () => {
    for (const m of members) await m.stop();
    for (const s of stores) await s.close();
    await db?.drop();
  });

  const rows = async () => (await stores[0]!.db.selectFrom('outbox').select(['payload']).where('event', '=', 'oncall.shift_reminder').orderBy('id').execute()).map((r) => (JSON.parse(r.payload) as { shift: { user: string; start: string } }).shift);

  it('two looks racing on one database send each reminder once', async () => {
    const clock = new SimulatedClock(Date.parse('2026-03-26T05:00:00Z'));
    const [a, b] = stores.map((store) => new ShiftReminders({ config, store, clock, logger }));
    const sent = await Promise.all([a!.tick(), b!.tick(), a!.tick(), b!.tick()]);
    expect(sent.reduce((x, y) => x + y, 0)).toBe(1);
    expect(await rows()).toEqual([{ schedule: 'primary', user: 'ann', start: '2026-03-26T06:00:00.000Z', end: '2026-03-26T07:00:00.000Z' }]);
  });

  it('only the holder of the singletons lease looks', async () => {
    for (const store of stores) {
      const m = new ClusterCoordinator({ store, leaseMs: 30_000, partitions: 2, url: 'http://127.0.0.1:1', logger });
      members.push(m);
      await m.start();
    }
    const holders = members.filter((m) => m.singletons !== undefined);
    expect(holders).toHaveLength(1);
    const clock = new SimulatedClock(Date.parse('2026-03-26T06:00:00Z'));
    const looks = stores.map((store, i) => new ShiftReminders({ config, store, clock, logger, cluster: members[i] }));
    const sent = await Promise.all(looks.map((l) => l.tick()));
    expect(sent[members.indexOf(holders[0]!)]).toBe(1);
    expect(sent.reduce((x, y) => x + y, 0)).toBe(1);
    expect((await rows()).map((r) => r.user)).toEqual(['ann', 'bob']);
  });
});
