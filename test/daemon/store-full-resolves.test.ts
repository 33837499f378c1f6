/**
 * An alert that resolves while the store cannot write (a full disk) is not forgotten. One recorded
 * before the disk filled has its incident resolved once space returns (its resolve is replayed with
 * the alerts paged from memory); one paged from memory and resolved before space returned has its
 * all-clear sent from memory to the channels it paged, so nobody is left chasing an incident
 * opsbook never recorded. The full disk is a real store error (a trigger raising SQLite's and
 * PostgreSQL's disk-full message on every timeline line), on both stores; one daemon on a simulated
 * clock, one signed webhook channel on a loopback receiver.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { AlertEvent } from '../../src/alerts/index.js';
import { startReceiver } from '../../src/notify/test-support.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { webhookChannel } from '../support/ops-yaml.js';
import { refuseWrites } from '../support/store-faults.js';
import { until, scaled } from '../support/timing.js';

const pgUp = await postgresUp();
// One receiver for the file: the daemons' config names its URL before their suites start.
const receiver = await startReceiver(() => ({ status: 200 }));
afterAll(() => receiver.close());

function event(kind: AlertEvent['kind'], name: string, at: number): AlertEvent {
  return { kind, ruleId: `am:${name}`, dedupKey: `am:${name}`, labels: { alertname: name, service: name.toLowerCase() }, annotations: { summary: `${name} is failing` }, severity: 'P2', at };
}

/** What reached the receiver about incidents: event, incident id and status. */
function received(): Array<{ type: string; incident: string; status: string }> {
  return receiver.requests.flatMap((r) => {
    const b = JSON.parse(r.body) as { type: string; data: { incident?: { id: string; status: string } } };
    return b.data.incident ? [{ type: b.type, incident: b.data.incident.id, status: b.data.incident.status }] : [];
  });
}

for (const target of storeTargets('opsbook-full-resolves', { migrated: true })) {
  const dialect = target.name;
  describe.skipIf(dialect === 'postgres' && !pgUp)(`resolves while the store is full (${dialect})`, () => {
    const d = simulatedDaemon(target, `full-resolves-${dialect}`, (url) => `storage:\n  url: "${url}"\n  full_retry: 10s\nchannels:\n${webhookChannel('hook', `${receiver.url}/hook`)}`);
    const ops = () => d.ops();
    // The receiver is the file's: each store's alerts have names of their own.
    const checkout = `Checkout-${dialect}`;
    const search = `Search-${dialect}`;
    const incidentOf = async (name: string) =>
      d.server.daemon.store.db.selectFrom('incidents').select(['state', 'title']).where('title', '=', `${name} is failing`).executeTakeFirst();
    const full = () => refuseWrites(d.server.daemon.store.db, dialect, 'incident_timeline', { message: 'database or disk is full' });

    it('resolves, once space returns, an incident whose alert resolved while the store was full', async () => {
      await ops().ingest(event('firing', checkout, d.clock.now()));
      expect((await incidentOf(checkout))?.state).toBe('triggered');
      const heal = await full();
      await ops().ingest(event('resolved', checkout, d.clock.now()));
      expect(ops().storeFull.status).toBeDefined();
      await heal();
      await d.runFor(15_000);
      await until('the store is found writable again', () => ops().storeFull.status === undefined, 30_000);
      await ops().settle(scaled(5_000));
      expect((await incidentOf(checkout))?.state).toBe('resolved');
    }, scaled(60_000));

    it('sends from memory the all-clear of an alert it paged from memory and that resolved while full', async () => {
      const heal = await full();
      await ops().ingest(event('firing', search, d.clock.now()));
      await until('the page from memory arrives', () => received().some((r) => r.type === 'incident.triggered' && r.incident.startsWith('mem-')), 30_000);
      const paged = received().find((r) => r.type === 'incident.triggered' && r.incident.startsWith('mem-'))!;
      await ops().ingest(event('resolved', search, d.clock.now()));
      await until('its all-clear arrives', () => received().some((r) => r.type === 'incident.resolved' && r.incident === paged.incident), 30_000);
      expect(received().filter((r) => r.incident === paged.incident).map((r) => [r.type, r.status])).toEqual([
        ['incident.triggered', 'triggered'],
        ['incident.resolved', 'resolved'],
      ]);
      await heal();
      await d.runFor(15_000);
      await until('the store is found writable again', () => ops().storeFull.status === undefined, 30_000);
      await ops().settle(scaled(5_000));
      // Resolved before it could be recorded: no incident is opened (and paged again) for it.
      expect(await incidentOf(search)).toBeUndefined();
    }, scaled(60_000));
  });
}
