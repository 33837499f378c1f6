/**
 * A person's escalation commits whole or not at all. Escalate now writes its timeline line, the
 * escalation's new state and the extra step's page (its outbox rows and their timeline lines) in
 * one transaction: a page that cannot be written leaves no line saying a step was paged, and the
 * person gets the error and can try again. Escalate now on an acknowledged incident re-triggers it,
 * as PagerDuty's escalate does: the incident is triggered again and its chain runs on from the step
 * paged, with that step's timeout and its people's later rules, until one of them acknowledges (the
 * chain used to be stored stopped again, so the paged people's later rules were dropped as an
 * acknowledgement drops them). When that cannot all be written, nothing is: the incident stays
 * acknowledged and no timer pages anyone for it later. The line names the step actually paged, also
 * when a severity filter makes the first step to run another than step 1. Add responder writes the
 * role with the responder's page: a page that cannot be written leaves no role. The faults are real SQL (a trigger refusing one table's rows), dropped
 * afterwards. One daemon on a simulated clock, on SQLite and PostgreSQL; its channel and contacts
 * refuse (port 9), so every page stays in the outbox, which is all this test reads.
 */
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { refusedWebhookChannel } from '../support/ops-yaml.js';
import { refuseWrites } from '../support/store-faults.js';
import { scaled } from '../support/timing.js';

const pgAvailable = await postgresUp();
const ana = { name: 'ana', role: 'responder' as const, via: 'session' as const };

for (const target of storeTargets('opsbook-escalate-now', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`escalate now and add responder commit whole, on ${target.name}`, () => {
    const d = simulatedDaemon(target, 'escalate-now', (url) =>
      `storage:\n  url: "${url}"\n` +
      `users:\n` +
      `  - { name: ana, role: responder }\n` +
      // Step 2 pages carl, whose second rule (2 minutes later) pages him again while nobody has acknowledged.
      `  - name: carl\n    role: responder\n    contact: [{ kind: webhook, address: "http://127.0.0.1:9/carl" }]\n` +
      `    notification_rules:\n      high:\n        - { after: 0m, via: [webhook] }\n        - { after: 2m, via: [webhook] }\n` +
      `  - { name: dee, role: responder, contact: [{ kind: webhook, address: "http://127.0.0.1:9/dee" }] }\n` +
      `channels:\n${refusedWebhookChannel()}` +
      `escalation_policies:\n  - id: default\n    steps:\n` +
      `      - { targets: [{ channel: hook }], timeout: 5m }\n      - { targets: [{ user: carl }], timeout: 5m }\n      - { targets: [{ channel: hook }], timeout: 5m }\n` +
      // Its first step pages P1 incidents only: a P2's escalation starts at step 2.
      `  - id: filtered\n    steps:\n      - { targets: [{ channel: hook }], timeout: 5m, severities: [P1] }\n      - { targets: [{ user: dee }], timeout: 5m }\n`,
    );
    const db = () => d.server.daemon.store.db;
    /** The incident's pages (escalation steps, people's rules, responders), oldest first: who each reached. */
    const pages = async (id: string) =>
      (await db().selectFrom('outbox').select(['channel_id', 'payload', 'dedup_key']).where('incident_id', '=', id).where('event', 'in', ['incident.triggered', 'incident.escalated']).orderBy('created_at').orderBy('id').execute()).map(
        (r) => (JSON.parse(r.payload) as { recipient?: { user: string } }).recipient?.user ?? r.channel_id,
      );
    const lines = async (id: string, kind: string) => (await db().selectFrom('incident_timeline').select('text').where('incident_id', '=', id).where('kind', '=', kind).orderBy('seq').execute()).map((r) => r.text);
    const escalation = async (id: string) => {
      const row = await db().selectFrom('escalations').select(['status', 'next_at', 'state']).where('incident_id', '=', id).executeTakeFirst();
      if (!row) return undefined;
      const state = JSON.parse(row.state) as { status: string; stepIndex: number; nextAt: number | null };
      return { status: row.status, next_at: row.next_at === null ? null : Number(row.next_at), state: { status: state.status, stepIndex: state.stepIndex, nextAt: state.nextAt } };
    };
    /** Status lines, without the response target the opening's line names. */
    const statusLines = async (id: string) => (await lines(id, 'status')).map((l) => l.replace(/; response due .*$/, ''));
    const state = async (id: string) => (await db().selectFrom('incidents').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
    const stopped = (stepIndex: number) => ({ status: 'acknowledged', next_at: null, state: { status: 'acknowledged', stepIndex, nextAt: null } });
    const acknowledged = async (title: string) => {
      const incident = await d.ops().createIncident({ title, severity: 'P2', service: 'shop' }, ana);
      await d.runFor(60_000);
      expect((await d.ops().act(incident.id, 'acknowledge', ana)).state).toBe('acknowledged');
      expect({ pages: await pages(incident.id), escalation: await escalation(incident.id) }).toEqual({ pages: ['hook'], escalation: stopped(0) });
      return incident;
    };
    it('escalate now on an acknowledged incident whose page cannot be written writes nothing, and no timer pages anyone later', async () => {
      const incident = await acknowledged('Checkout down');
      const heal = await refuseWrites(db(), target.name, 'outbox');
      try {
        await expect(d.ops().escalate(incident.id, ana, 'the payments team is needed')).rejects.toThrow(/injected: outbox refused/);
      } finally {
        await heal();
      }
      await expectUntouchedAndQuiet(incident.id);
    }, scaled(120_000));

    /** An acknowledged incident escalate-now failed on: nothing written, still acknowledged, and no timer pages anyone in the next 30 minutes. */
    async function expectUntouchedAndQuiet(id: string): Promise<void> {
      const now = async () => ({ state: await state(id), lines: [...(await lines(id, 'escalation')), ...(await statusLines(id))], pages: await pages(id), escalation: await escalation(id) });
      const untouched = { state: 'acknowledged', lines: ['triggered (P2)', 'triggered → acknowledged'], pages: ['hook'], escalation: stopped(0) };
      expect(await now()).toEqual(untouched);
      await d.runFor(30 * 60_000);
      expect(await now()).toEqual(untouched);
    }

    it('escalate now on an acknowledged incident re-triggers it: the next step is paged with its later rules and the chain runs on until acknowledged', async () => {
      const incident = await acknowledged('Checkout slow');
      await d.ops().escalate(incident.id, ana);
      expect({ state: await state(incident.id), status: await statusLines(incident.id), lines: await lines(incident.id, 'escalation'), pages: await pages(incident.id), escalation: await escalation(incident.id) }).toEqual({
        state: 'triggered',
        status: ['triggered (P2)', 'triggered → acknowledged', 'acknowledged → triggered: escalated to step 2 of default; its escalation runs again until acknowledged'],
        lines: ['escalated: paging step 2 of default now'],
        pages: ['hook', 'carl'],
        escalation: { status: 'active', next_at: d.clock.now() + 2 * 60_000, state: { status: 'active', stepIndex: 1, nextAt: d.clock.now() + 2 * 60_000 } },
      });
      // Carl's later rule (2 minutes on), then step 3 at step 2's timeout (5 minutes on): nobody acknowledged.
      await d.runFor(2 * 60_000);
      expect(await pages(incident.id)).toEqual(['hook', 'carl', 'carl']);
      await d.runFor(3 * 60_000);
      expect(await pages(incident.id)).toEqual(['hook', 'carl', 'carl', 'hook']);
      // Carl acknowledges: the chain stops again, and no timer pages anyone later.
      expect((await d.ops().act(incident.id, 'acknowledge', { ...ana, name: 'carl' })).state).toBe('acknowledged');
      await d.runFor(30 * 60_000);
      expect({ pages: await pages(incident.id), escalation: await escalation(incident.id) }).toEqual({ pages: ['hook', 'carl', 'carl', 'hook'], escalation: stopped(2) });
      await d.ops().act(incident.id, 'resolve', ana);
    }, scaled(120_000));

    it('escalate now on an acknowledged incident whose re-armed escalation cannot be saved writes nothing, and no timer pages anyone later', async () => {
      const incident = await acknowledged('Checkout flaky');
      const heal = await refuseWrites(db(), target.name, 'escalations', { on: 'update', when: `new.incident_id = '${incident.id}' and new.status = 'active'`, name: 'refuse_rearmed' });
      try {
        await expect(d.ops().escalate(incident.id, ana)).rejects.toThrow(/injected: escalations refused/);
      } finally {
        await heal();
      }
      await expectUntouchedAndQuiet(incident.id);
    }, scaled(120_000));

    it('escalate now on a running chain whose page cannot be written leaves no timeline line and the chain as it was; a second try pages the step once', async () => {
      const incident = await d.ops().createIncident({ title: 'Search down', severity: 'P2', service: 'search' }, ana);
      await d.runFor(60_000);
      const before = await escalation(incident.id);
      expect(before).toMatchObject({ status: 'active', state: { stepIndex: 0 } });
      const heal = await refuseWrites(db(), target.name, 'outbox');
      try {
        await expect(d.ops().escalate(incident.id, ana)).rejects.toThrow(/injected: outbox refused/);
      } finally {
        await heal();
      }
      expect({ lines: await lines(incident.id, 'escalation'), pages: await pages(incident.id), escalation: await escalation(incident.id) }).toEqual({ lines: [], pages: ['hook'], escalation: before });
      await d.ops().escalate(incident.id, ana);
      expect({ lines: await lines(incident.id, 'escalation'), pages: await pages(incident.id) }).toEqual({ lines: ['escalated: paging step 2 of default now'], pages: ['hook', 'carl'] });
      expect(await escalation(incident.id)).toMatchObject({ status: 'active', state: { stepIndex: 1 } });
      await d.ops().act(incident.id, 'resolve', ana);
    }, scaled(120_000));

    it('escalate now on an incident whose escalation never started, with its page refused, leaves no timeline line and starts nothing; a second try starts it', async () => {
      const incident = await d.ops().createIncident({ title: 'Queue stuck', severity: 'P2', service: 'queue' }, ana);
      // As an incident opened before a policy existed: no escalation, no page.
      await db().deleteFrom('escalations').where('incident_id', '=', incident.id).execute();
      await db().deleteFrom('outbox').where('incident_id', '=', incident.id).execute();
      const heal = await refuseWrites(db(), target.name, 'outbox');
      try {
        await expect(d.ops().escalate(incident.id, ana)).rejects.toThrow(/injected: outbox refused/);
      } finally {
        await heal();
      }
      expect({ lines: await lines(incident.id, 'escalation'), pages: await pages(incident.id), escalation: await escalation(incident.id) }).toEqual({ lines: [], pages: [], escalation: undefined });
      await d.ops().escalate(incident.id, ana);
      expect({ lines: await lines(incident.id, 'escalation'), pages: await pages(incident.id) }).toEqual({ lines: ['escalated: paging step 1 of default now'], pages: ['hook'] });
      expect(await escalation(incident.id)).toMatchObject({ status: 'active', state: { stepIndex: 0 } });
      await d.ops().act(incident.id, 'resolve', ana);
    }, scaled(120_000));

    it('escalate now on an incident whose escalation never started names the step paged when a severity filter skips step 1', async () => {
      const incident = await d.ops().createIncident({ title: 'Ledger lagging', severity: 'P2', service: 'ledger', labels: { escalation_policy: 'filtered' } }, ana);
      // As an incident opened before a policy existed: no escalation, no page.
      await db().deleteFrom('escalations').where('incident_id', '=', incident.id).execute();
      await db().deleteFrom('outbox').where('incident_id', '=', incident.id).execute();
      await d.ops().escalate(incident.id, ana);
      expect({ lines: await lines(incident.id, 'escalation'), pages: await pages(incident.id) }).toEqual({ lines: ['escalated: paging step 2 of filtered now'], pages: ['dee'] });
      expect(await escalation(incident.id)).toMatchObject({ status: 'active', state: { stepIndex: 1 } });
      await d.ops().act(incident.id, 'resolve', ana);
    }, scaled(120_000));

    it('add responder whose page cannot be written gives no role and answers with the error; a second try gives the role and pages once', async () => {
      const incident = await d.ops().createIncident({ title: 'Cache cold', severity: 'P2', service: 'cache' }, ana);
      const roles = async () => (await db().selectFrom('incident_roles').select(['role', 'person']).where('incident_id', '=', incident.id).execute()).map((r) => `${r.role}:${r.person}`);
      const heal = await refuseWrites(db(), target.name, 'outbox');
      try {
        await expect(d.ops().addResponder(incident.id, 'dee', ana)).rejects.toThrow(/injected: outbox refused/);
      } finally {
        await heal();
      }
      expect({ roles: await roles(), notes: await lines(incident.id, 'note'), pages: await pages(incident.id) }).toEqual({ roles: [], notes: [], pages: ['hook'] });
      await d.ops().addResponder(incident.id, 'dee', ana);
      // Written in the same simulated millisecond as the opening's page: compared as a set.
      expect({ roles: await roles(), notes: await lines(incident.id, 'note'), pages: (await pages(incident.id)).sort() }).toEqual({ roles: ['responder:dee'], notes: ['dee joined as a responder'], pages: ['dee', 'hook'] });
      expect((await lines(incident.id, 'notification')).filter((l) => l.startsWith('asked to respond'))).toEqual(['asked to respond by ana: paged dee by webhook']);
      const n = Number((await db().selectFrom('outbox').select(sql<number>`count(*)`.as('n')).where('incident_id', '=', incident.id).executeTakeFirstOrThrow()).n);
      expect(n).toBe(2);
      await d.ops().act(incident.id, 'resolve', ana);
    }, scaled(120_000));
  });
}
