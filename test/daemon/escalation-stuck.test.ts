/**
 * An incident opsbook cannot page for does not stay silent. When an escalation's step fails three
 * times in a row (its stored state unreadable: the row's state column overwritten with text that is
 * not JSON), or the look for missed pages cannot start an incident's escalation at three looks in a
 * row (a trigger refuses the rows of its policy's escalations), opsbook opens one incident about
 * itself, `opsbook:escalation-stuck:<incident>`, which pages through the normal path (a real webhook
 * receiver gets it). It resolves when the broken incident is answered or paged again. A single
 * failed step (the outbox refusing that incident's pages once) raises nothing, and the stuck
 * incident's own escalation failing raises no incident about it. An escalation whose state is
 * unreadable does not keep the look for missed pages from paging the others. One daemon on a simulated clock,
 * on SQLite and PostgreSQL.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../../src/notify/test-support.js';
import { findOpenIncidentByDedupKey, findLatestIncidentByDedupKey } from '../../src/store/index.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { webhookChannel } from '../support/ops-yaml.js';
import { refuseWrites } from '../support/store-faults.js';
import { scaled, until } from '../support/timing.js';

const pgAvailable = await postgresUp();
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };
const receiver = await startReceiver();
afterAll(() => receiver.close());

const stuckKey = (id: string) => `opsbook:escalation-stuck:${id}`;
const pagedIncident = (body: string): { id?: string; title?: string } => (JSON.parse(body) as { data?: { incident?: { id?: string; title?: string } } }).data?.incident ?? {};

for (const target of storeTargets('opsbook-escalation-stuck', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`an escalation opsbook cannot run, on ${target.name}`, () => {
    const d = simulatedDaemon(target, 'escalation-stuck', (url) =>
      `storage:\n  url: "${url}"\n` +
      `channels:\n${webhookChannel('hook', receiver.url)}` +
      `escalation_policies:\n` +
      `  - id: default\n    steps:\n      - { targets: [{ channel: hook }], timeout: 5m }\n      - { targets: [{ channel: hook }], timeout: 5m }\n` +
      `  - id: second\n    steps:\n      - { targets: [{ channel: hook }], timeout: 5m }\n`,
    );
    const db = () => d.server.daemon.store.db;
    const poison = (id: string) => db().updateTable('escalations').set({ state: '{not json' }).where('incident_id', '=', id).execute();
    const stuckOf = (id: string) => findOpenIncidentByDedupKey(db(), stuckKey(id));
    /** How many incidents the stuck alert of `id` has opened (one at most, however often it fires). */
    const stuckCount = async (id: string) => (await db().selectFrom('incident_alerts').select('incident_id').where('dedup_key', '=', stuckKey(id)).execute()).length;
    const pagedTo = (id: string) => until(`a page of ${id} at the webhook`, () => receiver.requests.some((r) => pagedIncident(r.body).id === id), scaled(30_000));

    it('raises one opsbook incident after three failed steps, which pages the on-call; answering the broken incident resolves it', async () => {
      const broken = await d.ops().createIncident({ title: 'Checkout broken', severity: 'P2', service: 'shop' }, ana);
      await d.runFor(1_000);
      await poison(broken.id);
      // Step 2 falls due and fails once: nothing about it yet.
      await d.runFor(5 * 60_000);
      expect(await stuckOf(broken.id)).toBeUndefined();
      // Tried again after 5 s and 10 s: the third failure raises it.
      await d.runFor(30_000);
      const stuck = await stuckOf(broken.id);
      expect(stuck).toBeDefined();
      expect(stuck!.severity).toBe('P3');
      expect(stuck!.state).toBe('triggered');
      expect(stuck!.title).toContain(broken.id);
      expect(stuck!.title).toContain('Checkout broken');
      expect(stuck!.title).toMatch(/3 attempts/);
      expect(stuck!.title).toMatch(/JSON/);
      expect(stuck!.title).toMatch(/may not be paged/);
      // It pages through the normal path: its escalation's first step reaches the webhook.
      await pagedTo(stuck!.id);
      expect(receiver.requests.map((r) => pagedIncident(r.body)).find((i) => i.id === stuck!.id)?.title).toBe(stuck!.title);
      // Still failing, backing off to 5 min: still the one incident.
      await d.runFor(20 * 60_000);
      expect(await stuckCount(broken.id)).toBe(1);
      expect((await stuckOf(broken.id))?.id).toBe(stuck!.id);
      // Its responder answers it: the chain stops, and the incident about opsbook resolves.
      expect((await d.ops().act(broken.id, 'acknowledge', ana)).state).toBe('acknowledged');
      await d.runFor(2 * 60_000);
      expect(await stuckOf(broken.id)).toBeUndefined();
      expect((await findLatestIncidentByDedupKey(db(), stuckKey(broken.id)))?.state).toBe('resolved');
      await d.runFor(10 * 60_000);
      expect(await stuckCount(broken.id)).toBe(1);
    }, scaled(300_000));

    it('raises nothing for a step that fails once and then runs', async () => {
      const flaky = await d.ops().createIncident({ title: 'Search flaky', severity: 'P2', service: 'search' }, ana);
      await d.runFor(1_000);
      const pages = async () => (await db().selectFrom('outbox').select('id').where('incident_id', '=', flaky.id).where('event', 'in', ['incident.triggered', 'incident.escalated']).execute()).length;
      const heal = await refuseWrites(db(), target.name, 'outbox', { when: `new.incident_id = '${flaky.id}'`, message: 'injected: pages of one incident refused', name: 'refuse_flaky_pages' });
      try {
        await d.runFor(5 * 60_000);
        // It failed: not paged, its timer moved later.
        expect(await pages()).toBe(1);
        const row = await db().selectFrom('escalations').select(['next_at', 'status']).where('incident_id', '=', flaky.id).executeTakeFirstOrThrow();
        expect(row.status).toBe('active');
        expect(Number(row.next_at)).toBeGreaterThan(d.clock.now());
      } finally {
        await heal();
      }
      await d.runFor(30_000);
      expect(await pages()).toBe(2);
      await d.runFor(5 * 60_000);
      expect(await stuckCount(flaky.id)).toBe(0);
    }, scaled(300_000));

    it('raises no incident about the stuck incident when its own escalation fails', async () => {
      const broken = await d.ops().createIncident({ title: 'Payments broken', severity: 'P2', service: 'pay' }, ana);
      await d.runFor(1_000);
      await poison(broken.id);
      await d.runFor(5 * 60_000 + 30_000);
      const stuck = await stuckOf(broken.id);
      expect(stuck).toBeDefined();
      await pagedTo(stuck!.id);
      await poison(stuck!.id);
      // Its step 2 falls due and fails, again and again.
      await d.runFor(15 * 60_000);
      expect((await db().selectFrom('escalations').select('state').where('incident_id', '=', stuck!.id).executeTakeFirstOrThrow()).state).toBe('{not json');
      expect(await stuckCount(stuck!.id)).toBe(0);
      expect(await stuckCount(broken.id)).toBe(1);
      // Answered, both end.
      await d.ops().act(broken.id, 'resolve', ana);
      await d.runFor(2 * 60_000);
      expect((await findLatestIncidentByDedupKey(db(), stuckKey(broken.id)))?.state).toBe('resolved');
    }, scaled(300_000));

    it('resolves, after a restart, the incident an earlier run raised, once the escalation runs again', async () => {
      const broken = await d.ops().createIncident({ title: 'Login broken', severity: 'P2', service: 'login' }, ana);
      await d.runFor(1_000);
      const { state } = await db().selectFrom('escalations').select('state').where('incident_id', '=', broken.id).executeTakeFirstOrThrow();
      await poison(broken.id);
      await d.runFor(5 * 60_000 + 30_000);
      const stuck = await stuckOf(broken.id);
      expect(stuck).toBeDefined();
      // Mended while opsbook is down: the restarted daemon's step runs, and resolves what the earlier run raised.
      await d.server.restart(() => undefined);
      await db().updateTable('escalations').set({ state }).where('incident_id', '=', broken.id).execute();
      await d.runFor(6 * 60_000);
      const escalated = await db().selectFrom('outbox').select('id').where('incident_id', '=', broken.id).where('event', '=', 'incident.escalated').execute();
      expect(escalated.length).toBe(1);
      expect((await findLatestIncidentByDedupKey(db(), stuckKey(broken.id)))?.state).toBe('resolved');
      expect(await stuckCount(broken.id)).toBe(1);
    }, scaled(300_000));

    it('raises one opsbook incident for an incident the look for missed pages could not page three times, resolved once it pages', async () => {
      // Another incident's escalation stays unreadable meanwhile: the look goes on all the same.
      const poisoned = await d.ops().createIncident({ title: 'Cart broken', severity: 'P2', service: 'cart' }, ana);
      await poison(poisoned.id);
      const heal = await refuseWrites(db(), target.name, 'escalations', { when: "new.policy_id = 'second'", message: 'injected: escalations of policy second refused', name: 'refuse_second_escalations' });
      let unpaged: string;
      let stuckId: string;
      try {
        unpaged = (await d.ops().createIncident({ title: 'Queue unpaged', severity: 'P2', service: 'queue', labels: { escalation_policy: 'second' } }, ana)).id;
        // Left to its own opening a minute; one look a minute: within 90 s one look at most failed on it.
        await d.runFor(90_000);
        expect(await stuckOf(unpaged)).toBeUndefined();
        // Three looks have failed on it.
        await d.runFor(3 * 60_000);
        const stuck = await stuckOf(unpaged);
        expect(stuck).toBeDefined();
        expect(stuck!.title).toContain(unpaged);
        expect(stuck!.title).toContain('Queue unpaged');
        expect(stuck!.title).toMatch(/\d looks in a row/);
        expect(stuck!.title).toContain('injected: escalations of policy second refused');
        stuckId = stuck!.id;
        expect(stuck!.title).toMatch(/may not be paged/);
        await pagedTo(stuck!.id);
        await d.runFor(5 * 60_000);
        expect(await stuckCount(unpaged)).toBe(1);
      } finally {
        await heal();
      }
      // The next look pages it: the incident about opsbook resolves.
      await d.runFor(2 * 60_000);
      await pagedTo(unpaged);
      expect(await stuckOf(unpaged)).toBeUndefined();
      expect((await findLatestIncidentByDedupKey(db(), stuckKey(unpaged)))?.state).toBe('resolved');
      // The poisoned one has an incident of its own, still open: one per incident opsbook cannot page for.
      const other = await stuckOf(poisoned.id);
      expect(other?.id).toBeDefined();
      expect(other!.id).not.toBe(stuckId);
      await d.ops().act(poisoned.id, 'resolve', ana);
      await d.runFor(2 * 60_000);
      expect(await stuckOf(poisoned.id)).toBeUndefined();
    }, scaled(300_000));
  });
}
