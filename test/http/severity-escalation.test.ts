/**
 * A severity change through the API moves the running escalation with it, on SQLite and PostgreSQL,
 * on a simulated clock: raised P1 → P0, the P0-only step is paged at the P0 response target and the
 * cockpit's response clock shows the new target; lowered P0 → P2, no step only P0/P1 have fires;
 * raised after an acknowledgement, the escalation stays stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserPassword } from '../../src/http/sessions/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { listOutbox } from '../../src/store/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { form, PASSWORD, signIn, TEST_COST, type SignedIn } from '../ui/support.js';
import { scaled } from '../support/timing.js';

const MINUTE = 60_000;
const pg = await postgresUp();

for (const target of storeTargets('opsbook-severity-escalation', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pg)(`a severity change and the running escalation on ${target.name}`, () => {
    let server: DaemonApp;
    let receiver: Receiver;
    let clock: SimulatedClock;
    let tok: Record<string, string>;
    let ana: SignedIn;
    let db: { url: string; cleanup: () => Promise<void> };

    beforeAll(async () => {
      db = await target.open();
      receiver = await startReceiver(() => ({ status: 200 }));
      clock = new SimulatedClock(Date.UTC(2026, 2, 2, 10));
      const hook = (id: string) => `  - { id: ${id}, kind: webhook, url: "${receiver.url}/${id}", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }\n`;
      server = await startDaemonApp(
        'severity-escalation',
        {
          'ops.yaml':
            `storage:\n  url: ${JSON.stringify(db.url)}\n` +
            'users:\n  - { name: ana, role: responder }\n  - { name: adm, role: admin }\n' +
            'services:\n  - { id: api }\n' +
            'severities:\n  - { id: P0, name: Critical, response: 15m }\n  - { id: P1, name: High, response: 1h }\n  - { id: P2, name: Medium, response: 4h }\n' +
            `channels:\n${hook('primary')}${hook('secondary')}${hook('lead')}` +
            'escalation_policies:\n  - id: default\n    steps:\n' +
            '      - { targets: [{ channel: primary }], timeout: 15m }\n' +
            '      - { targets: [{ channel: secondary }], timeout: 15m, severities: [P0] }\n' +
            '      - { targets: [{ channel: lead }], timeout: 1h, severities: [P0, P1] }\n',
        },
        { clock },
      );
      tok = await apiTokens(server.daemon, 'adm', ['ana', 'adm']);
      await setUserPassword({ store: server.daemon.store, clock, users: server.daemon.config.users }, { name: 'adm', role: 'admin', via: 'cli' }, 'ana', PASSWORD, TEST_COST);
      ana = await signIn(server.app, 'ana');
    });
    afterAll(async () => {
      await server?.close();
      await receiver?.close();
      await db?.cleanup();
    });

    const call = (method: 'GET' | 'POST', url: string, payload?: object) =>
      server.app.inject({ method, url, headers: { authorization: `Bearer ${tok.ana}` }, ...(method === 'POST' ? { payload: payload ?? {} } : {}) });
    const declare = async (title: string, severity: string): Promise<{ id: string; openedAt: number; responseDueAt: number }> => {
      const res = await call('POST', '/api/incidents', { title, severity, service: 'api' });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string; openedAt: number; responseDueAt: number };
    };
    const severity = async (id: string, to: string) => {
      const res = await call('POST', `/api/incidents/${id}/severity`, { severity: to, note: 'game day' });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { severity: string; responseDueAt: number };
    };
    // Pages made by the escalation (status updates to channels are not steps).
    const paged = async (id: string) => (await listOutbox(server.daemon.store.db, { incidentId: id })).filter((r) => r.event === 'incident.triggered' || r.event === 'incident.escalated').map((r) => r.channel_id);
    const advanceTo = async (at: number) => {
      while (clock.now() < at) await clock.advance(Math.min(MINUTE, at - clock.now()), () => server.daemon.operations!.settle(scaled(2_000)));
      await server.daemon.operations!.settle(scaled(2_000));
    };

    const advanceUntil = async (done: () => Promise<boolean>, bound: number) => {
      while (!(await done()) && clock.now() < bound) await advanceTo(clock.now() + 1_000);
    };

    it('raised P1 → P0 in the cockpit: the P0-only secondary is paged at the P0 response target, the lead after it; the response clock shows the new target', async () => {
      const raised = await declare('API down', 'P1');
      const control = await declare('API slow', 'P1');
      await advanceTo(raised.openedAt + 5 * MINUTE);
      const posted = form({ action: 'severity', severity: 'P0', note: 'every request fails', _csrf: ana.csrf });
      const act = await server.app.inject({ method: 'POST', url: `/incidents/${raised.id}/act`, payload: posted.payload, headers: { ...posted.headers, cookie: ana.cookie } });
      expect(act.statusCode, act.body).toBe(303);
      const page = await server.app.inject({ url: `/incidents/${raised.id}`, headers: { cookie: ana.cookie } });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`data-until="${raised.openedAt + 15 * MINUTE}"`);

      await advanceTo(raised.openedAt + 15 * MINUTE - 1);
      expect(await paged(raised.id)).toEqual(['primary']);
      // On PostgreSQL the escalations' rows are looked for by polling (several processes share them):
      // the page may go out a little after its instant; the step records the instant it fell due.
      await advanceUntil(async () => (await paged(raised.id)).length > 1, raised.openedAt + 20 * MINUTE);
      expect(await paged(raised.id)).toEqual(['primary', 'secondary']);
      expect(await server.daemon.operations!.escalations.state(raised.id)).toMatchObject({ stepIndex: 1, stepStartedAt: raised.openedAt + 15 * MINUTE });
      await advanceUntil(async () => (await paged(raised.id)).length > 2, raised.openedAt + 35 * MINUTE);
      expect(await paged(raised.id)).toEqual(['primary', 'secondary', 'lead']);
      expect(await server.daemon.operations!.escalations.state(raised.id)).toMatchObject({ severity: 'P0', stepIndex: 2, stepStartedAt: raised.openedAt + 30 * MINUTE, responseFiredAt: raised.openedAt + 15 * MINUTE });
      // The control stayed P1: the lead at minute 15, never the secondary.
      expect(await paged(control.id)).toEqual(['primary', 'lead']);
      expect(await server.daemon.operations!.escalations.state(control.id)).toMatchObject({ severity: 'P1', stepIndex: 2, stepStartedAt: control.openedAt + 15 * MINUTE });
    });

    it('lowered P0 → P2: the steps only P0 and P1 have never fire', async () => {
      const { id, openedAt } = await declare('Search degraded', 'P0');
      await advanceTo(openedAt + 5 * MINUTE);
      expect((await severity(id, 'P2')).responseDueAt).toBe(openedAt + 4 * 60 * MINUTE);
      await advanceTo(openedAt + 2 * 60 * MINUTE);
      expect(await paged(id)).toEqual(['primary']);
      expect(await server.daemon.operations!.escalations.state(id)).toMatchObject({ severity: 'P2', status: 'exhausted' });
    });

    it('raised after an acknowledgement: the escalation stays stopped', async () => {
      const { id, openedAt } = await declare('Queue backing up', 'P1');
      expect((await call('POST', `/api/incidents/${id}/acknowledge`, {})).statusCode).toBe(200);
      await severity(id, 'P0');
      await advanceTo(openedAt + 90 * MINUTE);
      expect(await paged(id)).toEqual(['primary']);
      expect(await server.daemon.operations!.escalations.state(id)).toMatchObject({ severity: 'P0', status: 'acknowledged', nextAt: null });
    });
  });
}
