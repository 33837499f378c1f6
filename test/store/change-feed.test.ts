/**
 * The store-level change feed on SQLite and PostgreSQL: a change committed through another
 * connection to the same database (as another opsbook process or a CLI in local mode would) reaches
 * a subscriber, named by topic and id; a transaction rolled back sends nothing.
 */
import { expect, it } from 'vitest';
import { IncidentService } from '../../src/incidents/index.js';
import { SystemClock } from '../../src/lib/clock.js';
import { openStore, type StoreChange } from '../../src/store/index.js';
import { describeOnStores } from '../support/store-targets.js';
import { scaled } from '../support/timing.js';

const actor = { name: 'writer', role: 'responder' as const, via: 'cli' as const };

await describeOnStores('opsbook-feed', 'change feed', { migrate: true }, (target) => {
  it('delivers incident changes written by another connection, and nothing for a rolled-back write', async () => {
    const seen: StoreChange[] = [];
    const unsubscribe = target.store.changes.subscribe((c) => seen.push(c));
    await target.store.changes.ready();
    const other = await openStore({ url: target.url });
    try {
      const incidents = new IncidentService(other, new SystemClock(), {});
      const { incident } = await incidents.create({ title: 'from elsewhere', severity: 'P2' }, actor);
      await expect.poll(() => seen.some((c) => c.topic === 'incident' && c.id === incident.id), { timeout: scaled(10_000) }).toBe(true);
      seen.length = 0;
      await incidents.acknowledge(incident.id, actor, 'on it');
      await expect.poll(() => seen.filter((c) => c.id === incident.id).length, { timeout: scaled(10_000) }).toBeGreaterThan(0);
      expect(seen.every((c) => c.topic === 'incident' && c.id === incident.id)).toBe(true);

      seen.length = 0;
      await other.db
        .transaction()
        .execute(async (tx) => {
          await tx.updateTable('incidents').set({ title: 'never' }).where('id', '=', incident.id).execute();
          throw new Error('roll back');
        })
        .catch(() => {});
      // A later change proves the feed moved past the rolled-back one without reporting it.
      await incidents.addNote(incident.id, actor, 'marker');
      await expect.poll(() => seen.length, { timeout: scaled(10_000) }).toBeGreaterThan(0);
      expect((await incidents.get(incident.id)).title).toBe('from elsewhere');
      expect(seen).toEqual(seen.map(() => ({ topic: 'incident', id: incident.id })));
    } finally {
      unsubscribe();
      await other.close();
    }
  });

  it('stops reading when the last subscriber leaves and resumes from the present on the next', async () => {
    const other = await openStore({ url: target.url });
    try {
      const incidents = new IncidentService(other, new SystemClock(), {});
      const seen: StoreChange[] = [];
      const first = target.store.changes.subscribe((c) => seen.push(c));
      await target.store.changes.ready();
      first();
      const { incident: missed } = await incidents.create({ title: 'while nobody listens', severity: 'P3' }, actor);
      const again = target.store.changes.subscribe((c) => seen.push(c));
      await target.store.changes.ready();
      const { incident: later } = await incidents.create({ title: 'after', severity: 'P3' }, actor);
      await expect.poll(() => seen.some((c) => c.id === later.id), { timeout: scaled(10_000) }).toBe(true);
      expect(seen.some((c) => c.id === missed.id)).toBe(false);
      again();
    } finally {
      await other.close();
    }
  });
});
