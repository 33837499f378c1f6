/**
 * A check's credentials — an Authorization header, a token in its URL's query, a password in its
 * URL's userinfo — never reach what opsbook stores or shows of its runs when the target echoes them
 * back: the failed conditions' observed values (the incident's alert, its timeline, its page), the
 * last result the API answers, a run on request, the check's target. A real daemon on SQLite, a
 * simulated clock, a loopback target that echoes what it got.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setUserPassword } from '../../src/http/sessions/index.js';
import { apiTokens } from '../support/daemon-app.js';
import { simulatedDaemon } from '../support/simulated-daemon.js';
import { PASSWORD, signIn, TEST_COST } from '../ui/support.js';
import { scaled } from '../support/timing.js';

const MASK = '********';
const BEARER = 'Bearer-Tok-3390';
const QUERY_KEY = 'QueryKey-9021';
const USER_PASS = 'UserPass-6612';
const BASIC = Buffer.from(`monitor:${USER_PASS}`).toString('base64');
const SECRETS = [BEARER, QUERY_KEY, USER_PASS, BASIC];
const leaked = (text: string): string[] => SECRETS.filter((s) => text.includes(s));

describe('a check whose target echoes its credentials', () => {
  let echo: http.Server;
  let port = 0;
  beforeAll(async () => {
    // Degraded, and says what it was sent: the Authorization header in a response header and the
    // body, the query in the body.
    echo = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-echo-authorization', req.headers.authorization ?? '');
      res.end(JSON.stringify({ state: 'degraded', auth: req.headers.authorization ?? null, url: req.url }));
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    port = (echo.address() as AddressInfo).port;
  });
  afterAll(async () => {
    if (echo) await new Promise((r) => echo.close(r));
  });

  const daemon = simulatedDaemon(undefined, 'check-secrets', () =>
    [
      'users:\n  - { name: ana, role: responder }\n  - { name: adm, role: admin }',
      'checks:',
      `  - id: api`,
      `    kind: http`,
      `    url: "http://127.0.0.1:${port}/health?api_key=${QUERY_KEY}&region=eu"`,
      `    headers: { Authorization: "Bearer ${BEARER}", X-Trace: trace-visible }`,
      `    interval: 10s`,
      `    failure_threshold: 1`,
      `    conditions: ['[BODY].state == healthy', '[BODY] == pat(*"healthy"*)', '[HEADERS].x-echo-authorization == none', '[URL] == pat(*/ready*)']`,
      `  - id: basic`,
      `    kind: http`,
      `    url: "http://monitor:${USER_PASS}@127.0.0.1:${port}/basic"`,
      `    interval: 10s`,
      `    failure_threshold: 1`,
      `    conditions: ['[BODY] == pat(*"healthy"*)', '[URL] == pat(*/ready*)']`,
      '',
    ].join('\n'),
  );

  it('masks them in results, the incident, its timeline and page, the API and the check’s target', async () => {
    const { server } = daemon;
    await daemon.runFor(15_000);
    const ops = daemon.ops();
    expect(ops.checkState('api')?.probe.status).toBe('down');
    expect(ops.checkState('basic')?.probe.status).toBe('down');
    const tok = await apiTokens(server.daemon, 'adm', ['ana', 'adm']);
    await setUserPassword({ store: server.daemon.store, clock: server.daemon.clock, users: server.daemon.config.users }, { name: 'adm', role: 'admin', via: 'cli' }, 'ana', PASSWORD, TEST_COST);
    const ana = await signIn(server.app, 'ana');
    const get = async (url: string, method: 'GET' | 'POST' = 'GET') => {
      const res = await server.app.inject({ method, url, headers: { authorization: `Bearer ${tok.ana}` }, ...(method === 'POST' ? { payload: {} } : {}) });
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      return res.body;
    };

    // The checks sent their credentials, and what they saw is kept, masked.
    const last = ops.checkState('api')!.result;
    expect(last.conditions.map((c) => c.actual)).toEqual([
      'degraded',
      // The whole header value is the configured credential.
      `{"state":"degraded","auth":"${MASK}","url":"/health?api_key=${MASK}&region=eu"}`,
      MASK,
      `http://127.0.0.1:${port}/health?api_key=${MASK}&region=eu`,
    ]);
    expect(ops.checkState('basic')!.result.conditions.map((c) => c.actual)).toEqual([
      `{"state":"degraded","auth":"Basic ${MASK}","url":"/basic"}`,
      `http://monitor:${MASK}@127.0.0.1:${port}/basic`,
    ]);

    const incidents = JSON.parse(await get('/api/incidents')) as { incidents: { id: string }[] };
    expect(incidents.incidents.length).toBeGreaterThanOrEqual(1);
    const shown: [string, string][] = [
      ['checks', await get('/api/checks')],
      ['check', await get('/api/checks/api')],
      ['run api', await get('/api/checks/api/run', 'POST')],
      ['run basic', await get('/api/checks/basic/run', 'POST')],
      ['check page', (await server.app.inject({ url: '/checks/api', headers: { cookie: ana.cookie } })).body],
      ['checks page', (await server.app.inject({ url: '/checks', headers: { cookie: ana.cookie } })).body],
    ];
    for (const { id } of incidents.incidents) {
      shown.push([`incident ${id}`, await get(`/api/incidents/${id}`)]);
      shown.push([`timeline ${id}`, await get(`/api/incidents/${id}/timeline`)]);
      const page = await server.app.inject({ url: `/incidents/${id}`, headers: { cookie: ana.cookie } });
      expect(page.statusCode).toBe(200);
      shown.push([`incident page ${id}`, page.body]);
    }
    // What the store holds: alerts, timeline lines, check results.
    const db = server.daemon.store.db;
    shown.push(['alerts', JSON.stringify(await db.selectFrom('incident_alerts').selectAll().execute())]);
    shown.push(['timeline rows', JSON.stringify(await db.selectFrom('incident_timeline').selectAll().execute())]);
    shown.push(['incident rows', JSON.stringify(await db.selectFrom('incidents').selectAll().execute())]);
    const observed = shown.find(([what]) => what.startsWith('incident '))![1];
    expect(observed).toContain(MASK);
    for (const [what, text] of shown) expect(leaked(text), what).toEqual([]);
  }, scaled(120_000));
});
