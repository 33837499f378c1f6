/**
 * A check's rule state commits with the incident it opens. The store refuses the incident's write
 * once (a trigger: as if the process died, or lost its lease, between the two), then the process
 * restarts on the same database: the check, still failing, opens the incident and pages. Were the
 * rule state saved `firing` on its own, the restarted process would read it back and never fire
 * again (alerts come from transitions): the failing check would never page. On a simulated clock,
 * on SQLite and PostgreSQL.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { startStatusServer, type StatusServer } from '../support/net.js';
import { scaled } from '../support/timing.js';

const INTERVAL = 30_000;
const pgAvailable = await postgresUp();

for (const target of storeTargets('opsbook-rule-state', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`a check's rule state and its incident on ${target.name}`, () => {
    let server: DaemonApp;
    let web: StatusServer;
    let receiver: StatusServer;
    let cleanup: (() => Promise<void>) | undefined;
    let down = false;
    const clock = new SimulatedClock(Math.floor(Date.now() / 60_000) * 60_000);

    beforeAll(async () => {
      web = await startStatusServer(() => (down ? 500 : 200));
      receiver = await startStatusServer(204);
      const db = await target.open();
      cleanup = db.cleanup;
      server = await startDaemonApp(
        'rule-state',
        {
          'ops.yaml': `storage:
  url: ${db.url}
checks:
  - { id: web, kind: http, url: "${web.url}/", interval: 30s, failure_threshold: 1, success_threshold: 1 }
channels:
  - { id: hook, kind: webhook, url: "${receiver.url}/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ channel: hook }], timeout: 1h }
`,
        },
        { clock },
      );
    });
    afterAll(async () => {
      await server?.close();
      await web.close();
      await receiver.close();
      await cleanup?.();
    });

    const run = async (): Promise<void> => {
      const settle = (): Promise<void> => server.daemon.operations!.settle(scaled(5_000));
      await clock.advance(INTERVAL, settle);
      await settle();
    };
    const refuseIncidents = async (on: boolean): Promise<void> => {
      const db = server.daemon.store.db;
      if (server.daemon.store.dialect === 'postgres') {
        if (on) {
          await sql`create function refuse_incident() returns trigger language plpgsql as $$ begin raise exception 'the process died here'; end $$`.execute(db);
          await sql`create trigger refuse_incident before insert on incidents for each row execute function refuse_incident()`.execute(db);
        } else {
          await sql`drop trigger refuse_incident on incidents`.execute(db);
          await sql`drop function refuse_incident()`.execute(db);
        }
      } else if (on) await sql`create trigger refuse_incident before insert on incidents begin select raise(abort, 'the process died here'); end`.execute(db);
      else await sql`drop trigger refuse_incident`.execute(db);
    };
    const series = async () => (await server.daemon.store.db.selectFrom('alert_series').select('state').where('rule_id', '=', 'check:web').executeTakeFirst())?.state;
    const pages = () => server.daemon.store.db.selectFrom('outbox').innerJoin('incidents', 'incidents.id', 'outbox.incident_id').select(['outbox.event', 'incidents.state']).where('outbox.event', '=', 'incident.triggered').execute();

    it('leaves no rule state firing when its incident could not be written, so the restarted process pages', async () => {
      await run();
      expect(await series()).toBe('inactive');
      await refuseIncidents(true);
      down = true;
      await run();
      expect(await server.daemon.store.db.selectFrom('incidents').select('id').execute()).toEqual([]);
      expect(await series()).toBe('inactive');
      await server.restart();
      await refuseIncidents(false);
      await run();
      expect(await series()).toBe('firing');
      expect(await pages()).toEqual([{ event: 'incident.triggered', state: 'triggered' }]);
    }, scaled(60_000));
  });
}
