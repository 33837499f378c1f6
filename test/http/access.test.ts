/**
 * Every route declares its access, and the declaration is enforced: a walk over every route × role
 * (anonymous, viewer, responder, admin) expects 401 without a token on non-public routes, 403 below
 * the declared role, and neither at or above it. A viewer gets 403 on every state-changing route.
 *
 * Teams: a walk over every incident write route, and the silence and execution writes, × role ×
 * team (member of the owning team, of another team, of none) on things of a team that restricts
 * writes, of one that does not, and of no team; incident, check, execution and silence lists (API
 * and web pages) filtered to the caller's teams by default; alerts routed service → team → policy.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { apiRoutes } from '../../src/http/index.js';
import { uiRoutes } from '../../src/http/routes/ui.js';
import { ROLES, type Role } from '../../src/identity/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { startReceiver, type Receiver } from '../../src/notify/test-support.js';
import { listAudit } from '../../src/store/index.js';
import { setUserPassword } from '../../src/http/sessions/index.js';
import { form, landOnRefusal, signIn, PASSWORD, TEST_COST } from '../ui/support.js';

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  const users = ROLES.map((r) => `  - name: ${r}-user\n    role: ${r}\n`).join('');
  server = await startDaemonApp('access', { 'ops.yaml': `users:\n${users}` });
  ({ daemon, app } = server);
  const byUser = await apiTokens(daemon, 'admin-user', ROLES.map((r) => `${r}-user`));
  for (const role of ROLES) tokens[role] = byUser[`${role}-user`]!;
});
afterAll(async () => {
  await server?.close();
});

const INFRASTRUCTURE = new Set(['GET /_health/live', 'GET /_health/ready', 'GET /metrics']);
// Web UI routes declare their access the same way; test/ui/access.test.ts walks them with sessions.
const UI = new Set(uiRoutes().map((r) => `${r.method} ${r.url}`));

function concreteUrl(url: string): string {
  return url.replace(/:([A-Za-z_]+)/g, 'does-not-exist');
}

describe('route access', () => {
  it('registers no route without an access declaration, and every API route comes from the table', () => {
    const undeclared = app.routeInventory.filter((r) => !r.access).map((r) => `${r.method} ${r.url}`);
    expect(undeclared).toEqual([]);
    const table = new Set(apiRoutes(daemon).map((r) => `${r.method} ${r.url}`));
    const outside = app.routeInventory.map((r) => `${r.method} ${r.url}`).filter((k) => !table.has(k) && !INFRASTRUCTURE.has(k) && !UI.has(k));
    expect(outside).toEqual([]);
  });

  it('enforces each route’s role for every caller', async () => {
    const routes = apiRoutes(daemon);
    expect(routes.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for (const r of routes) {
      const callers: Array<Role | 'anonymous'> = ['anonymous', ...ROLES];
      for (const caller of callers) {
        const res = await app.inject({
          method: r.method,
          url: concreteUrl(r.url),
          headers: caller === 'anonymous' ? {} : { authorization: `Bearer ${tokens[caller]}` },
          ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { payload: {} }),
        });
        const allowed = r.access === 'public' || (caller !== 'anonymous' && ROLES.indexOf(caller) >= ROLES.indexOf(r.access as Role));
        const expected = allowed ? 'allowed' : caller === 'anonymous' ? 401 : 403;
        // Public routes authenticate by their own secret (integration key, URL token, signed link):
        // a bad secret may answer 401, but never the role gate's codes.
        let code: string | undefined;
        try {
          code = (res.json() as { error?: { code?: string } } | undefined)?.error?.code;
        } catch {
          code = undefined; // not JSON: an HTML page, so not the API's role gate
        }
        const gated = code === 'OPSBOOK_E_AUTH_REQUIRED' || code === 'OPSBOOK_E_AUTH_INVALID' || code === 'OPSBOOK_E_FORBIDDEN';
        const got = (res.statusCode === 401 || res.statusCode === 403) && (r.access !== 'public' || gated) ? res.statusCode : 'allowed';
        if (got !== expected) failures.push(`${r.method} ${r.url} as ${caller}: expected ${expected}, got ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('gives a viewer 403 on every state-changing route', async () => {
    const changing = apiRoutes(daemon).filter((r) => r.method !== 'GET' && r.access !== 'public');
    for (const r of changing) {
      const res = await app.inject({ method: r.method, url: concreteUrl(r.url), headers: { authorization: `Bearer ${tokens.viewer}` }, payload: {} });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
    }
    // Public state-changing routes (ingest, heartbeats, action links) authenticate by their own secret.
    const publicChanging = apiRoutes(daemon).filter((r) => r.method !== 'GET' && r.access === 'public');
    for (const r of publicChanging) expect(r.summary, `${r.method} ${r.url}`).toMatch(/secret|key|token|signed/i);
  });

  it('describes every route in the OpenAPI 3.1 document', async () => {
    const res = await app.inject({ url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as { openapi: string; paths: Record<string, Record<string, { 'x-opsbook-access': string }>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const r of apiRoutes(daemon)) {
      const p = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
      expect(doc.paths[p]?.[r.method.toLowerCase()]?.['x-opsbook-access'], `${r.method} ${r.url}`).toBe(r.access);
    }
  });
});

describe('route × role × team', () => {
  let teamServer: DaemonApp;
  let receiver: Receiver;
  const people = ['ana', 'val', 'bob', 'carl', 'adm'] as const;
  type Person = (typeof people)[number];
  let tok: Record<string, string>;
  const incidents = {} as Record<'pay' | 'search' | 'misc' | 'named', string>;
  const executions = {} as Record<'pay' | 'search' | 'misc', string>;
  const silences = {} as Record<'pay' | 'search' | 'misc', string>;

  beforeAll(async () => {
    receiver = await startReceiver(() => ({ status: 200 }));
    const hook = (id: string) => `  - { id: ${id}, kind: webhook, url: "${receiver.url}", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }\n`;
    const policy = (id: string, channel: string) => `  - id: ${id}\n    steps:\n      - { targets: [{ channel: ${channel} }], timeout: 30m }\n`;
    teamServer = await startDaemonApp('team-access', {
      'ops.yaml':
        'users:\n  - { name: ana, role: responder }\n  - { name: val, role: viewer }\n  - { name: bob, role: responder }\n  - { name: carl, role: responder }\n  - { name: adm, role: admin }\n' +
        'services:\n  - { id: pay }\n  - { id: search }\n  - { id: misc }\n' +
        'checks:\n' + ['pay', 'search', 'misc'].map((s) => `  - { id: ${s}-backup, kind: heartbeat, service: ${s}, period: 1d, grace: 1h }\n`).join('') +
        'runbooks: [runbooks/*.md]\n' +
        `channels:\n${hook('hook-default')}${hook('hook-pay')}${hook('hook-search')}` +
        `escalation_policies:\n${policy('default', 'hook-default')}${policy('pay-policy', 'hook-pay')}${policy('search-policy', 'hook-search')}` +
        'teams:\n' +
        '  - { id: payments, members: [ana, val], services: [pay], escalation_policy: pay-policy, restrict_writes: true }\n' +
        '  - { id: search, members: [bob], services: [search], escalation_policy: search-policy }\n',
      'runbooks/look.md': '# Look\n\n## RB-001: Look around\n\n1. Say hello\n\n```bash\necho hello\n```\n\n2. Tick this by hand\n',
    });
    tok = await apiTokens(teamServer.daemon, 'adm', people);
    const ops = teamServer.daemon.operations!;
    const system = { name: 'system:test', role: 'admin' as const, via: 'system' as const };
    incidents.pay = (await ops.createIncident({ title: 'payments down', severity: 'P2', service: 'pay' }, system)).id;
    incidents.search = (await ops.createIncident({ title: 'search slow', severity: 'P2', service: 'search' }, system)).id;
    incidents.misc = (await ops.createIncident({ title: 'misc broken', severity: 'P2', service: 'misc' }, system)).id;
    incidents.named = (await ops.createIncident({ title: 'payments, routed by label', severity: 'P2', service: 'pay', labels: { escalation_policy: 'default' } }, system)).id;
    for (const service of ['pay', 'search', 'misc'] as const) {
      executions[service] = (await teamServer.daemon.executions!.start('runbooks/look.md#RB-001', system, { service })).id;
      silences[service] = (await ops.incidents.createSilence({ matchers: [{ label: 'service', op: '=', value: service }], startsAt: teamServer.daemon.clock.now(), endsAt: teamServer.daemon.clock.now() + 3_600_000, comment: `quiet ${service}` }, system)).id;
    }
  });
  afterAll(async () => {
    await teamServer?.close();
    await receiver?.close();
  });

  const call = (who: Person, method: 'GET' | 'POST', url: string, payload?: object) =>
    teamServer.app.inject({ method, url, headers: { authorization: `Bearer ${tok[who]}` }, ...(method === 'POST' ? { payload: payload ?? {} } : {}) });

  it('routes an alert by its service → team → policy; a policy named by label wins', async () => {
    const policyOf = async (id: string) => (await teamServer.daemon.operations!.escalations.state(id))?.policyId;
    expect(await policyOf(incidents.pay)).toBe('pay-policy');
    expect(await policyOf(incidents.search)).toBe('search-policy');
    expect(await policyOf(incidents.misc)).toBe('default');
    expect(await policyOf(incidents.named)).toBe('default');
  });

  it('lists the caller’s teams’ incidents (and unowned ones) by default, every one with ?team=all', async () => {
    const titles = async (who: Person, query = '') => {
      const res = await call(who, 'GET', `/api/incidents${query}`);
      expect(res.statusCode, `${who} ${query}`).toBe(200);
      return new Set((res.json() as { incidents: Array<{ service?: string }> }).incidents.map((i) => i.service));
    };
    expect(await titles('ana')).toEqual(new Set(['pay', 'misc']));
    expect(await titles('val')).toEqual(new Set(['pay', 'misc']));
    expect(await titles('bob')).toEqual(new Set(['search', 'misc']));
    expect(await titles('carl')).toEqual(new Set(['pay', 'search', 'misc'])); // in no team: everything
    expect(await titles('adm')).toEqual(new Set(['pay', 'search', 'misc']));
    expect(await titles('ana', '?team=all')).toEqual(new Set(['pay', 'search', 'misc']));
    expect(await titles('ana', '?team=search')).toEqual(new Set(['search', 'misc']));
    const unknown = await call('ana', 'GET', '/api/incidents?team=nope');
    expect(unknown.statusCode).toBe(400);
    expect((unknown.json() as { error: { message: string; path: string } }).error).toMatchObject({ message: 'no team "nope" (known: all, payments, search)', path: 'query.team' });
    const teams = (await call('bob', 'GET', '/api/teams')).json() as { teams: Array<{ id: string; member: boolean }> };
    expect(teams.teams.map((t) => [t.id, t.member])).toEqual([['payments', false], ['search', true]]);
  });

  it('filters checks, executions, silences and the overview to the caller’s teams by default, every one with ?team=all', async () => {
    const services = async (who: Person, url: string, pick: (body: unknown) => Array<string | null | undefined>) => {
      const res = await call(who, 'GET', url);
      expect(res.statusCode, `${who} ${url}`).toBe(200);
      return new Set(pick(res.json()));
    };
    const lists = {
      '/api/checks': (b: unknown) => (b as { checks: Array<{ service?: string }> }).checks.map((c) => c.service),
      '/api/executions': (b: unknown) => (b as { executions: Array<{ service: string | null }> }).executions.map((e) => e.service),
      '/api/silences': (b: unknown) => (b as { silences: Array<{ matchers: Array<{ value: string }> }> }).silences.map((s) => s.matchers[0]!.value),
    };
    for (const [url, pick] of Object.entries(lists)) {
      expect(await services('ana', url, pick), url).toEqual(new Set(['pay', 'misc']));
      expect(await services('bob', url, pick), url).toEqual(new Set(['search', 'misc']));
      expect(await services('carl', url, pick), url).toEqual(new Set(['pay', 'search', 'misc']));
      expect(await services('ana', `${url}?team=all`, pick), url).toEqual(new Set(['pay', 'search', 'misc']));
      expect(await services('ana', `${url}?team=search`, pick), url).toEqual(new Set(['search', 'misc']));
      expect((await call('ana', 'GET', `${url}?team=nope`)).statusCode, url).toBe(400);
    }
    // The web pages: overview, checks, executions, silences.
    const { daemon, app } = teamServer;
    await setUserPassword({ store: daemon.store, clock: daemon.clock, users: daemon.config.users }, { name: 'adm', role: 'admin', via: 'cli' }, 'bob', PASSWORD, TEST_COST);
    const bob = await signIn(app, 'bob');
    for (const [path, pay] of [['/', 'pay-backup'], ['/checks', 'pay-backup'], ['/executions', 'runbooks/look.md#RB-001'], ['/maintenance', 'service=pay']] as const) {
      const mine = await app.inject({ url: path, headers: { cookie: bob.cookie } });
      expect(mine.statusCode, path).toBe(200);
      expect(mine.body, path).toMatch(/Your teams \(search\)/);
      const all = await app.inject({ url: `${path}?team=all`, headers: { cookie: bob.cookie } });
      if (path === '/executions') {
        // Each execution row names its incident or none; count the rows instead.
        expect((mine.body.match(/<tr data-state=/g) ?? []).length, path).toBe(2);
        expect((all.body.match(/<tr data-state=/g) ?? []).length, path).toBe(3);
      } else {
        expect(mine.body, path).not.toContain(pay);
        expect(all.body, path).toContain(pay);
      }
    }
  });

  it('answers a full page of the caller’s teams’ executions, not a page of every team’s thinned', async () => {
    // Newest first: misc, search, pay. Ana's teams see pay and misc: a page of two holds both.
    const res = await call('ana', 'GET', '/api/executions?limit=2');
    expect(res.statusCode).toBe(200);
    const page = res.json() as { executions: Array<{ service: string | null }>; next?: string };
    expect(page.executions.map((e) => e.service)).toEqual(['misc', 'pay']);
    const rest = await call('ana', 'GET', `/api/executions?limit=2&before=${page.next}`);
    expect((rest.json() as { executions: unknown[] }).executions).toEqual([]);
  });

  it('enforces team write restrictions on silences and executions, for every role and team', async () => {
    const failures: string[] = [];
    let rows = 0;
    const routes: Array<{ method: 'POST' | 'DELETE'; url: (t: 'pay' | 'search' | 'misc', who: Person) => string; body?: (t: string) => object }> = [
      { method: 'POST', url: () => '/api/silences', body: (t) => ({ matchers: [{ label: 'service', value: t }], ends_at: teamServer.daemon.clock.now() + 3_600_000, comment: 'quiet' }) },
      { method: 'POST', url: () => '/api/v2/silences', body: (t) => ({ matchers: [{ name: 'service', value: t, isRegex: false, isEqual: true }], startsAt: new Date(teamServer.daemon.clock.now()).toISOString(), endsAt: new Date(teamServer.daemon.clock.now() + 3_600_000).toISOString(), createdBy: 'x', comment: 'quiet' }) },
      { method: 'POST', url: () => '/api/executions', body: (t) => ({ procedure: 'runbooks/look.md#RB-001', service: t }) },
      { method: 'POST', url: (t) => `/api/executions/${executions[t]}/steps/1/run`, body: () => ({}) },
      { method: 'POST', url: (t) => `/api/executions/${executions[t]}/steps/2/tick`, body: () => ({}) },
      { method: 'POST', url: (t) => `/api/executions/${executions[t]}/cancel` },
      { method: 'POST', url: (t) => `/api/executions/${executions[t]}/finish` },
      { method: 'DELETE', url: (t) => `/api/silences/${silences[t]}` },
    ];
    for (const r of routes) {
      for (const target of ['pay', 'search', 'misc'] as const) {
        for (const who of people) {
          const url = r.url(target, who);
          const res = await teamServer.app.inject({ method: r.method, url, headers: { authorization: `Bearer ${tok[who]}` }, ...(r.method === 'POST' ? { payload: r.body?.(target) ?? {} } : {}) });
          const expected = who === 'val' || (target === 'pay' && (who === 'bob' || who === 'carl')) ? 403 : 'allowed';
          const got = res.statusCode === 401 || res.statusCode === 403 ? res.statusCode : 'allowed';
          rows++;
          if (got !== expected) failures.push(`${r.method} ${url} on ${target} as ${who}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 200)}`);
          if (res.statusCode >= 500) failures.push(`${r.method} ${url} on ${target} as ${who}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(rows).toBe(routes.length * 3 * people.length);
    // Each refusal by team is audited, naming the team: bob and carl on each route for pay.
    const denied = (await listAudit(teamServer.daemon.store.db)).filter((e) => e.action === 'access.denied' && JSON.parse(e.details).team === 'payments' && !e.subject.startsWith('route:POST /api/incidents/'));
    expect(denied.length).toBe(routes.length * 2);
  });

  // A valid body for the routes that need one, so the team gate (not the body's schema) answers.
  // A title is given back unchanged (the incidents keep the titles later tests look for).
  const TITLES = { pay: 'payments down', search: 'search slow', misc: 'misc broken' } as const;
  const SAMPLE_BODIES: Record<string, object | ((target: keyof typeof TITLES) => object)> = {
    notes: { text: 'a note' },
    responders: { person: 'carl' },
    severity: { severity: 'P3' },
    title: (target) => ({ title: TITLES[target] }),
    'status-page': { title: 'Public title', body: 'What the public should know.' },
    'status-page/updates': { state: 'identified', body: 'We know the cause.' },
  };
  it('enforces team write restrictions on every incident write route, for every role and team', async () => {
    const writes = apiRoutes(teamServer.daemon).filter((r) => r.method === 'POST' && r.url.startsWith('/api/incidents/:id/'));
    expect(writes.map((r) => r.url)).toContain('/api/incidents/:id/notes');
    const failures: string[] = [];
    const rows: string[] = [];
    for (const r of writes) {
      for (const target of ['pay', 'search', 'misc'] as const) {
        for (const who of people) {
          const sample = SAMPLE_BODIES[r.url.split('/').slice(4).join('/')] ?? {};
          const res = await call(who, 'POST', r.url.replace(':id', incidents[target]), typeof sample === 'function' ? sample(target) : sample);
          // val is a viewer: the role gate refuses first. carl and bob are outside payments, which restricts writes.
          const expected = who === 'val' || (target === 'pay' && (who === 'bob' || who === 'carl')) ? 403 : 'allowed';
          const got = res.statusCode === 401 || res.statusCode === 403 ? res.statusCode : 'allowed';
          rows.push(`${r.url} ${target} ${who} ${got}`);
          if (got !== expected) failures.push(`${r.method} ${r.url} on ${target} as ${who}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 200)}`);
          if (res.statusCode >= 500) failures.push(`${r.method} ${r.url} on ${target} as ${who}: ${res.statusCode}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(rows.length).toBe(writes.length * 3 * people.length);
    // Refusals by team are audited, naming the team (the web UI's are added by the next test).
    const denied = (await listAudit(teamServer.daemon.store.db)).filter((e) => e.action === 'access.denied' && JSON.parse(e.details).team === 'payments' && e.subject.startsWith('route:POST /api/incidents/'));
    expect(denied.length).toBe(writes.length * 2);
  });

  it('does the same in the web UI: the list shows the caller’s teams with a link to all, and a form write outside the team is refused', async () => {
    const { daemon, app } = teamServer;
    for (const who of ['ana', 'carl']) await setUserPassword({ store: daemon.store, clock: daemon.clock, users: daemon.config.users }, { name: 'adm', role: 'admin', via: 'cli' }, who, PASSWORD, TEST_COST);
    const ana = await signIn(app, 'ana');
    const mine = await app.inject({ url: '/incidents', headers: { cookie: ana.cookie } });
    expect(mine.statusCode).toBe(200);
    expect(mine.body).toContain('payments down');
    expect(mine.body).toContain('misc broken');
    expect(mine.body).not.toContain('search slow');
    expect(mine.body).toMatch(/Your teams \(payments\)[\s\S]*href="\/incidents\?team=all"/);
    const all = await app.inject({ url: '/incidents?team=all', headers: { cookie: ana.cookie } });
    expect(all.body).toContain('search slow');
    const carl = await signIn(app, 'carl');
    const refused = await app.inject({ method: 'POST', url: `/incidents/${incidents.pay}/notes`, ...form({ text: 'not my team', _csrf: carl.csrf }), headers: { ...form({}).headers, cookie: carl.cookie } });
    // Said on the incident's page, where the form was (post/redirect/get).
    const landed = await landOnRefusal(app, carl, refused);
    expect(landed.refusal.status).toBe(403);
    expect(landed.body).toContain('<strong>Add note</strong> was refused: service pay belongs to team payments, which restricts changes to its members; carl is not one');
    const allowed = await app.inject({ method: 'POST', url: `/incidents/${incidents.pay}/notes`, ...form({ text: 'mine', _csrf: ana.csrf }), headers: { ...form({}).headers, cookie: ana.cookie } });
    expect(allowed.statusCode).toBe(303);
    // The incident page offers no buttons to someone outside a team that restricts writes.
    const page = await app.inject({ url: `/incidents/${incidents.pay}`, headers: { cookie: carl.cookie } });
    expect(page.body).not.toContain('Add a note');
  });
});
