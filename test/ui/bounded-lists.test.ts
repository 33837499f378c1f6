/**
 * Pages that show a bounded list say what they left out, and the counts they print are of what the
 * person would see: on SQLite and PostgreSQL, with more rows than each bound and two teams.
 *
 * - the check page's incidents of the check's alerts: the newest 200 of its 24 hours, and how many
 *   more there are in that window (counted by a query);
 * - the overview's open incidents under a team view: the team's newest 200, its per-severity counts
 *   of all of the team's open incidents (not of the 200 listed), and how many it left out;
 * - the incident and execution lists under a team view: a page of the team's rows, and how many
 *   older ones of the team's there are;
 * - the live stream of a team's overview sends the team's list, not every team's.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserPassword, webAuthFor } from '../../src/http/sessions/index.js';
import { SimulatedClock } from '../../src/lib/clock.js';
import { newId } from '../../src/lib/ids.js';
import { insertResults, type ExecutionRow, type IncidentAlertRow, type IncidentRow, type StoredResult } from '../../src/store/index.js';
import { listenOnLoopback, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { postgresUp } from '../support/services.js';
import { storeTargets } from '../support/store-targets.js';
import { scaled } from '../support/timing.js';
import { PASSWORD, signIn, TEST_COST, type SignedIn } from './support.js';

const pgAvailable = await postgresUp();
const T0 = Date.parse('2026-03-04T10:00:00Z');
const NOW = T0 + 3_600_000;
/** Open incidents of the orders check's alert, past the check page's 200 and the overview's 200. */
const ORDERS_OPEN = 230;
/** Incidents of the orders check resolved before the check page's window: never counted there. */
const ORDERS_BEFORE = 5;
/** Open incidents of the other team's service, newer than every orders one. */
const SEARCH_OPEN = 300;
/** Executions of each service, past the execution list's page of 200; search's newer. */
const EXECUTIONS = 250;

function incident(id: string, at: number, service: string, severity: string, resolvedAt: number | null = null): IncidentRow {
  return {
    id, title: `${service} incident ${id}`, state: resolvedAt === null ? 'triggered' : 'resolved', severity, service, source: 'alert', opened_at: at, updated_at: resolvedAt ?? at,
    acknowledged_at: null, resolved_at: resolvedAt, response_due_at: null, response_from: null, labels: '{}', runbook: null, created_by: 'system:alerts', reopened: 0, held_notification: null,
  };
}

function alertOf(row: IncidentRow, ruleId: string): IncidentAlertRow {
  return {
    incident_id: row.id, dedup_key: `${ruleId}-${row.id}`, rule_id: ruleId, state: row.resolved_at === null ? 'firing' : 'resolved', severity: row.severity, labels: '{}', annotations: '{}',
    runbook: null, value: null, first_fired_at: row.opened_at, last_fired_at: row.opened_at, resolved_at: row.resolved_at,
  };
}

function execution(at: number, service: string): ExecutionRow {
  return {
    id: newId('exe', at), procedure: 'runbooks/look.md#RB-001', title: `Look at ${service}`, service, incident_id: null, state: 'passed', trigger: 'manual', started_by: 'ana',
    started_at: at, finished_at: at + 1000, updated_at: at + 1000, plan: '{"steps":[]}',
  };
}

/** Reads the event stream until `until` matches what arrived (or the bound passes); answers what arrived. */
function readStreamUntil(url: string, cookie: string, until: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    const req = http.get(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => {
      res.on('data', (c: Buffer) => {
        body += c.toString();
        if (until.test(body)) {
          clearTimeout(timer);
          req.destroy();
          resolve(body);
        }
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve(body);
    }, ms);
    req.on('error', (e) => (e.message === 'socket hang up' ? undefined : reject(e)));
  });
}

/** An open event stream: what arrived so far, and a wait (bounded) until something matches. */
function openStream(url: string, cookie: string): { received: () => string; waitFor: (re: RegExp, ms: number) => Promise<string>; close: () => void } {
  let body = '';
  const req = http.get(url, { headers: { cookie, accept: 'text/event-stream' } }, (res) => res.on('data', (c: Buffer) => (body += c.toString())));
  req.on('error', () => undefined);
  return {
    received: () => body,
    waitFor: async (re, ms) => {
      for (const until = Date.now() + ms; !re.test(body) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 25));
      return body;
    },
    close: () => req.destroy(),
  };
}

const count = (body: string, re: RegExp) => (body.match(re) ?? []).length;

for (const target of storeTargets('opsbook-bounded-lists', { migrated: true })) {
  describe.skipIf(target.name === 'postgres' && !pgAvailable)(`bounded lists, on ${target.name}`, () => {
    let app: DaemonApp;
    let cleanup: (() => Promise<void>) | undefined;
    let ana: SignedIn;
    const orders: IncidentRow[] = [];

    beforeAll(async () => {
      const opened = await target.open();
      cleanup = opened.cleanup;
      app = await startDaemonApp(
        `bounded-lists-${target.name}`,
        {
          'ops.yaml':
            `storage:\n  url: "${opened.url}"\n` +
            'users:\n  - { name: ana, role: admin }\n  - { name: bob, role: viewer }\n' +
            'services:\n  - { id: orders }\n  - { id: search }\n' +
            'teams:\n  - { id: ordering, members: [ana], services: [orders] }\n  - { id: finding, members: [bob], services: [search] }\n' +
            'checks:\n  - { kind: tcp, id: orders-port, name: Orders port, service: orders, host: 127.0.0.1, port: 9, interval: 1m }\n',
        },
        { operations: false, clock: new SimulatedClock(NOW), beforeServer: (daemon) => webAuthFor(daemon) },
      );
      const d = app.daemon;
      await setUserPassword({ store: d.store, clock: d.clock, users: d.config.users }, { name: 'ana', role: 'admin', via: 'cli' }, 'ana', PASSWORD, TEST_COST);
      ana = await signIn(app.app, 'ana');
      const db = app.daemon.store.db;
      // Oldest first: orders' resolved ones a day before, orders' open ones, then search's.
      const before = Array.from({ length: ORDERS_BEFORE }, (_, i) => incident(newId('inc', T0 - 48 * 3_600_000 + i), T0 - 48 * 3_600_000 + i, 'orders', 'P4', T0 - 30 * 3_600_000));
      for (let i = 0; i < ORDERS_OPEN; i++) orders.push(incident(newId('inc', T0 + i * 1000), T0 + i * 1000, 'orders', i % 10 === 0 ? 'P2' : 'P4'));
      const search = Array.from({ length: SEARCH_OPEN }, (_, i) => incident(newId('inc', T0 + (ORDERS_OPEN + i) * 1000), T0 + (ORDERS_OPEN + i) * 1000, 'search', 'P4'));
      const all = [...before, ...orders, ...search];
      for (let i = 0; i < all.length; i += 200) await db.insertInto('incidents').values(all.slice(i, i + 200)).execute();
      const alerts = [...before, ...orders].map((r) => alertOf(r, 'check:orders-port'));
      for (let i = 0; i < alerts.length; i += 200) await db.insertInto('incident_alerts').values(alerts.slice(i, i + 200)).execute();
      const executions = [...Array.from({ length: EXECUTIONS }, (_, i) => execution(T0 + i * 1000, 'orders')), ...Array.from({ length: EXECUTIONS }, (_, i) => execution(T0 + (EXECUTIONS + i) * 1000, 'search'))];
      for (let i = 0; i < executions.length; i += 200) await db.insertInto('executions').values(executions.slice(i, i + 200)).execute();
      // A few runs of the check, so the page draws its chart.
      const runs = Array.from({ length: 10 }, (_, i) => ({ checkId: 'orders-port', at: T0 + i * 60_000, down: true, level: 2, latencyMs: 0, value: null, error: 'connect ECONNREFUSED 127.0.0.1:9' }) as StoredResult);
      await insertResults(db, runs, T0);
    }, scaled(120_000));

    afterAll(async () => {
      await app?.close();
      await cleanup?.();
    }, scaled(60_000));

    const get = async (url: string) => {
      const res = await app.app.inject({ url, headers: { cookie: ana.cookie } });
      expect(res.statusCode, url).toBe(200);
      return res.body;
    };

    it('shows the newest 200 incidents of a check’s window and says how many more the window holds', async () => {
      const body = await get('/checks/orders-port');
      const listed = [...body.matchAll(/<tr><th scope="row"><a href="\/incidents\/(inc_[^"]+)"/g)].map((m) => m[1]);
      expect(listed).toHaveLength(200);
      expect(listed[0]).toBe(orders.at(-1)!.id);
      const note = /(\d+) more incidents? in this window not shown/.exec(body);
      expect(note, 'a note of the incidents left out').not.toBeNull();
      expect(Number(note![1])).toBe(ORDERS_OPEN - 200);
      // The chart's name counts them all, and says it draws the newest.
      expect(body).toContain(`${ORDERS_OPEN} incidents (the newest 200 drawn)`);
      // The runs table's heading counts the runs it lists (the check has 10).
      expect(body).toContain('<h2 id="h-runs">Last 10 runs</h2>');
      // The note links to the incident list of the check's incidents: every one, a page at a time.
      const link = /id="check-incidents-more">[^<]*<a href="([^"]+)"/.exec(body)![1]!.replace(/&amp;/g, '&');
      expect(link).toBe('/incidents?check=orders-port&team=all');
      const all = await get(link);
      expect(all).toContain('Showing incidents of check orders-port only');
      const rows = [...all.matchAll(/<tr><th scope="row"><a href="\/incidents\/(inc_[^"]+)"/g)].map((m) => m[1]);
      expect(rows).toEqual([...orders].reverse().slice(0, 100).map((o) => o.id));
      expect(Number(/(\d+) older incidents of check orders-port not shown/.exec(all)?.[1])).toBe(ORDERS_BEFORE + ORDERS_OPEN - 100);
      const unknown = await app.app.inject({ url: '/incidents?check=nope', headers: { cookie: ana.cookie } });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.body).toContain('check= in the address names no configured check: &quot;nope&quot;');
    });

    it('counts and lists the team’s open incidents on its overview, and says what each severity’s list left out', async () => {
      const body = await get('/');
      // The team's newest 200 open incidents, none of the other team's.
      const listed = [...body.matchAll(/<li><a href="\/incidents\/(inc_[^"]+)"/g)].map((m) => m[1]!);
      expect(listed).toHaveLength(200);
      const own = new Set(orders.map((o) => o.id));
      expect(listed.every((id) => own.has(id))).toBe(true);
      const older = /(\d+) older open incidents? not shown here/.exec(body);
      expect(older, 'a note of the open incidents left out').not.toBeNull();
      expect(Number(older![1])).toBe(ORDERS_OPEN - 200);
      // Each heading counts every open incident of its severity; a cut list says so.
      const p2 = orders.filter((o) => o.severity === 'P2');
      const p4 = orders.filter((o) => o.severity === 'P4');
      expect(body).toMatch(new RegExp(`P2</span> <span class="count">${p2.length} open</span>`));
      expect(body).toMatch(new RegExp(`P4</span> <span class="count">${p4.length} open</span>`));
      const shownP2 = p2.filter((o) => listed.includes(o.id)).length;
      const shownP4 = p4.filter((o) => listed.includes(o.id)).length;
      expect(body).toContain(`newest ${shownP2} of ${p2.length} open P2 incidents shown`);
      expect(body).toContain(`newest ${shownP4} of ${p4.length} open P4 incidents shown`);
      // The cut list links to all of its severity's open incidents in the view.
      const link = new RegExp('data-severity-cut="P2">[^<]*<a href="([^"]+)"').exec(body)![1]!.replace(/&amp;/g, '&');
      expect(link).toBe('/incidents?state=open&severity=P2');
      const rest = await get(link);
      expect(rest).toContain('Showing open P2 incidents only');
      expect(count(rest, /<tr><th scope="row"><a href="\/incidents\//g)).toBe(p2.length);
      expect(count(rest, /<td><span class="sev sev-p2">P2<\/span><\/td><td>triggered<\/td>/g)).toBe(p2.length);
    });

    it('counts every team’s open incidents per severity with ?team=all', async () => {
      const body = await get('/?team=all');
      expect(count(body, /<li><a href="\/incidents\/inc_/g)).toBe(200);
      const p2 = orders.filter((o) => o.severity === 'P2').length;
      expect(body).toMatch(new RegExp(`P2</span> <span class="count">${p2} open</span>`));
      expect(body).toMatch(new RegExp(`P4</span> <span class="count">${ORDERS_OPEN + SEARCH_OPEN - p2} open</span>`));
      expect(Number(/(\d+) older open incidents? not shown here/.exec(body)?.[1])).toBe(ORDERS_OPEN + SEARCH_OPEN - 200);
    });

    it('counts the older incidents of the team’s view on the incident list', async () => {
      const body = await get('/incidents');
      expect(count(body, /<tr><th scope="row"><a href="\/incidents\//g)).toBe(100);
      const note = /(\d+) older incidents? not shown here: <a href="([^"]+)"/.exec(body);
      expect(note, 'a note of the incidents left out').not.toBeNull();
      expect(Number(note![1])).toBe(ORDERS_BEFORE + ORDERS_OPEN - 100);
    });

    it('refuses an incident list filter by a state there is not, naming it', async () => {
      const res = await app.app.inject({ url: '/incidents?state=broken', headers: { cookie: ana.cookie } });
      expect(res.statusCode).toBe(400);
      expect(res.body).toContain('state= in the address must be open or one of triggered');
      // A severity off the ladder would list nothing, as if there were none of it.
      const severity = await app.app.inject({ url: '/incidents?severity=p2', headers: { cookie: ana.cookie } });
      expect(severity.statusCode).toBe(400);
      expect(severity.body).toContain('no severity &quot;p2&quot; (did you mean P2?): the severities are P1, P2, P3, P4');
    });

    it('lists a page of the team’s executions and counts the team’s older ones', async () => {
      const body = await get('/executions');
      expect(count(body, /<tr data-state="passed">/g)).toBe(200);
      expect(body).not.toContain('Look at search');
      const note = /(\d+) older executions? not shown here: <a href="([^"]+)"/.exec(body);
      expect(note, 'a note of the executions left out').not.toBeNull();
      expect(Number(note![1])).toBe(EXECUTIONS - 200);
      const rest = await get(note![2]!.replace(/&amp;/g, '&'));
      expect(count(rest, /<tr data-state="passed">/g)).toBe(EXECUTIONS - 200);
      expect(rest).not.toContain('older execution');
    });

    it('sends a team’s overview the team’s open incidents over the live stream', async () => {
      const mark = /data-live="incidents:open" data-live-mark="([0-9a-f]+)"/.exec(await get('/'))![1]!;
      // A new incident of the team's after the page was rendered: the stream sends the fresh list.
      await app.daemon.store.db.insertInto('incidents').values(incident(newId('inc', NOW), NOW, 'orders', 'P2')).execute();
      const base = await listenOnLoopback(app.app);
      const events = await readStreamUntil(`${base}/ui/events?open=${mark}`, ana.cookie, /event: incidents\ndata: .*\n\n/, scaled(20_000));
      const sent = /event: incidents\ndata: (.*)\n\n/.exec(events);
      expect(sent, 'the fresh list').not.toBeNull();
      const html = (JSON.parse(sent![1]!) as { html: string }).html;
      expect(html).not.toContain('search incident');
      expect(html).toContain(`${orders.filter((o) => o.severity === 'P2').length + 1} open`);

      // A stream started with the current list: a later change reaches it as the team's list.
      const current = /data-live="incidents:open" data-live-mark="([0-9a-f]+)"/.exec(await get('/'))![1]!;
      const stream = openStream(`${base}/ui/events?open=${current}`, ana.cookie);
      try {
        expect(await stream.waitFor(/: connected/, scaled(20_000))).toMatch(/: connected/);
        await app.daemon.store.db.insertInto('incidents').values([incident(newId('inc', NOW + 1), NOW + 1, 'search', 'P2'), incident(newId('inc', NOW + 2), NOW + 2, 'orders', 'P2')]).execute();
        const later = /event: incidents\ndata: (.*)\n\n/.exec(await stream.waitFor(/event: incidents\ndata: .*\n\n/, scaled(20_000)));
        expect(later, 'the changed list').not.toBeNull();
        const fresh = (JSON.parse(later![1]!) as { html: string }).html;
        expect(fresh).not.toContain('search incident');
        expect(fresh).toContain(`${orders.filter((o) => o.severity === 'P2').length + 2} open`);
      } finally {
        stream.close();
      }
    }, scaled(60_000));
  });
}
