/**
 * Every route the server registers (read from its route inventory, so a route added later is swept
 * too) under input a user or a misbehaving sender can type: malformed JSON, a non-object body, an
 * empty body, a wrong content type, hostile values in every field of a body built from the route's
 * own schema (huge and negative numbers, 2^53+1, NaN as text, NUL bytes, lone surrogates, long
 * strings and arrays), bad and nonexistent ids in the path, bad query parameters, wrong and missing
 * credentials, the same request twice. No answer is a 500; every API refusal carries an error code,
 * and a refused request body or query names its path; anything stored stays readable afterwards.
 * Runs on SQLite and on PostgreSQL (which refuses NUL bytes and lone surrogates SQLite keeps).
 */
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Daemon } from '../../src/daemon/index.js';
import { apiRoutes } from '../../src/http/index.js';
import type { AnyRoute } from '../../src/http/routes.js';
import { webAuthFor } from '../../src/http/sessions/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { createMigratedTestDatabase } from '../support/migrated-database.js';
import { postgresUp } from '../support/services.js';
import { scaled } from '../support/timing.js';
import { landOnRefusal, signIn, TEST_COST, PASSWORD } from '../ui/support.js';
import { setUserPassword } from '../../src/http/sessions/index.js';
import { pagerDutySignature, slackSignature } from '../../src/notify/index.js';

const AM_KEY = 'am-key-0123456789abcdef0123456789';
const EV_KEY = 'ev-key-0123456789abcdef0123456789';
const GF_KEY = 'gf-key-0123456789abcdef0123456789';
const JS_KEY = 'js-key-0123456789abcdef0123456789';
const SIGNING = 'slack-signing-secret-0123456789';
const PD_SECRET = 'pd-webhook-secret-0123456789abcd';

function config(storage: string): string {
  return `${storage}server: { public_url: "https://ops.example.org" }
users:
  - { name: boss, role: admin, email: boss@example.org, contact: [{ kind: slack, address: U123 }] }
  - { name: ron, role: responder, email: ron@example.org }
  - { name: vic, role: viewer }
services:
  - { id: web, name: Web }
checks:
  - { id: web-backup, kind: heartbeat, service: web, period: 1d, grace: 1h }
runbooks: [runbooks/*.md]
integrations:
  - { id: prom, kind: alertmanager, key: ${AM_KEY} }
  - { id: ev, kind: events, key: ${EV_KEY} }
  - { id: graf, kind: grafana, key: ${GF_KEY} }
  - id: uptime
    kind: json
    key: ${JS_KEY}
    mapping: { title: $.name, dedup_key: $.id, severity: $.level, status: $.state, resolved_values: [up] }
channels:
  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/never", secrets: [whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw] }
  - { id: chat, kind: slack, webhook_url: "http://127.0.0.1:9/never", signing_secret: ${SIGNING} }
  - { id: pd, kind: pagerduty, routing_key: 0123456789abcdef0123456789abcdef, events_url: "http://127.0.0.1:9/never", webhook_secrets: ["${PD_SECRET}"] }
  - { id: mail, kind: email, smtp: { host: 127.0.0.1, port: 9 }, from: "ops@example.org" }
schedules:
  - id: primary
    layers:
      - users: [boss, ron]
        rotation: { length: 1w, handoff: "09:00", start: 2026-03-02 }
escalation_policies:
  - id: default
    steps:
      - { targets: [{ schedule: primary }, { channel: hook }], timeout: 30m }
slos:
  - { id: web-up, kind: availability, checks: [web-backup], objective: 99.5%, window: 7d }
teams:
  - { id: webteam, members: [ron], services: [web] }
status_page:
  title: Example status
  services: [{ service: web, name: Web shop }]
  subscribers: { channel: mail }
`;
}

const RUNBOOK = '# Look\n\n## RB-001: Look around\n\n1. Say hello\n\n```bash\necho hello\n```\n\n2. Tick this by hand\n';

/** A body the route's schema describes: each property with a plain value of its type (enums: the first). */
function sampleOf(schema: Record<string, unknown> | undefined, depth = 0): unknown {
  if (!schema || depth > 6) return 'x';
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[key] as Array<Record<string, unknown>> | undefined;
    if (options?.length) return sampleOf(options.find((o) => o.type !== 'null') ?? options[0], depth + 1);
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]).find((t) => t !== 'null') : (schema.type as string | undefined);
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) out[k] = sampleOf(v, depth + 1);
      return out;
    }
    case 'array':
      return [sampleOf(schema.items as Record<string, unknown> | undefined, depth + 1)];
    case 'string':
      return schema.format === 'date-time' ? '2026-03-04T10:00:00Z' : typeof schema.minLength === 'number' ? 'x'.repeat(schema.minLength) : 'x';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    default:
      return 'x';
  }
}

function jsonSchema(s: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** Paths to every leaf of a sample (array elements by their first). */
function leaves(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.length ? leaves(value[0], [...at, 0]) : [at];
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    return keys.length ? keys.flatMap((k) => leaves((value as Record<string, unknown>)[k], [...at, k])) : [at];
  }
  return [at];
}

function withValue(base: unknown, at: Array<string | number>, value: unknown): unknown {
  if (at.length === 0) return value;
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let cur = copy;
  for (const k of at.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  cur[at.at(-1)!] = value;
  return copy;
}

/** Values a field should never turn into a 500. */
const HOSTILE_VALUES: Array<[string, unknown]> = [
  ['1e308', 1e308],
  ['-1', -1],
  ['2^53+1', 2 ** 53 + 1],
  ['past the last instant', 9e15],
  ['before the first instant', -9e15],
  ['0.5', 0.5],
  ['"NaN"', 'NaN'],
  ['"-1"', '-1'],
  ['"1e308"', '1e308'],
  ['""', ''],
  ['NUL', 'a\u0000b'],
  ['lone surrogate', 'a\uD800b'],
  ['unicode', 'ünï ☃ 𝄞 \u202e'],
  ['100k string', 'x'.repeat(100_000)],
  ['10k array', Array.from({ length: 10_000 }, (_, i) => `x${i}`)],
  ['[]', []],
  ['{}', {}],
  ['null', null],
  ['true', true],
  ['__proto__', JSON.parse('{"__proto__": {"polluted": 1}}')],
];

const PARAM_VALUES = ['does-not-exist', '-1', '1e308', '9007199254740993', '9000000000000000', 'NaN', '%00', 'a%00b', '%E2%98%83', '%F0%9D%84%9E', '%FF%FE', '%ED%A0%80', '..%2F..%2Fetc', 'x'.repeat(2000), '%20'];
const QUERY_VALUES = ['', '-1', '1e308', '9007199254740993', '9000000000000000', '-9000000000000000', '+275760-09-13T00:00:01Z', 'NaN', 'Infinity', '0', '%00', '%FF', 'x'.repeat(10_000), '2026-13-45T99:99:99Z', 'true', '[]'];

interface Answer {
  route: string;
  what: string;
  status: number;
  body: string;
  /** The error the answer carried, read from the whole body. */
  error?: { code?: string; path?: string; message?: string };
  contentType: string;
}

const pgUp = await postgresUp();

for (const storeName of ['sqlite', 'postgres'] as const) {
  describe.skipIf(storeName === 'postgres' && !pgUp)(`bad input on every route (${storeName})`, () => {
    let server: DaemonApp;
    let daemon: Daemon;
    let app: FastifyInstance;
    let db: { url: string; drop: () => Promise<void> } | undefined;
    let admin: string;
    let session: { cookie: string; csrf: string };
    const logLines: string[] = [];
    const existing: Record<string, string> = {};

    beforeAll(async () => {
      if (storeName === 'postgres') db = await createMigratedTestDatabase('bad_input');
      const destination = new Writable({
        write(chunk: Buffer, _enc, done) {
          logLines.push(...chunk.toString().split('\n').filter(Boolean));
          done();
        },
      });
      server = await startDaemonApp(`bad-input-${storeName}`, { 'ops.yaml': config(db ? `storage:\n  url: ${JSON.stringify(db.url)}\n` : ''), 'runbooks/look.md': RUNBOOK }, {
        logger: createLogger({ level: 'warn', destination, pretty: false }),
        beforeServer: (d) => webAuthFor(d),
      });
      ({ daemon, app } = server);
      admin = (await apiTokens(daemon, 'boss', ['boss'])).boss!;
      await setUserPassword({ store: daemon.store, clock: daemon.clock, users: daemon.config.users }, { name: 'boss', role: 'admin', via: 'cli' }, 'boss', PASSWORD, TEST_COST);
      session = await signIn(app, 'boss');
      const system = { name: 'system:test', role: 'admin' as const, via: 'system' as const };
      const ops = daemon.operations!;
      existing.incident = (await ops.createIncident({ title: 'web down', severity: 'P2', service: 'web' }, system)).id;
      existing.execution = (await daemon.executions!.start('runbooks/look.md#RB-001', system, { service: 'web' })).id;
      existing.silence = (await ops.incidents.createSilence({ matchers: [{ label: 'service', op: '=', value: 'web' }], startsAt: daemon.clock.now(), endsAt: daemon.clock.now() + 3_600_000, comment: 'quiet' }, system)).id;
    }, scaled(120_000));
    afterAll(async () => {
      await server?.close();
      await db?.drop();
    });

    const api = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: string | object, headers: Record<string, string> = {}) =>
      app.inject({ method, url, headers: { authorization: `Bearer ${admin}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers }, ...(payload === undefined ? {} : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }) });
    const refusal = (res: { statusCode: number; json: () => unknown }) => ({ status: res.statusCode, ...(res.json() as { error: Record<string, unknown> }).error });

    describe('the refusals the sweep found', () => {
      it('refuses an instant past the year 9999 in ?at= of who is on call', async () => {
        expect(refusal(await api('GET', '/api/oncall/now?at=9000000000000000'))).toMatchObject({ status: 400, code: 'OPSBOOK_E_REQUEST_INVALID', path: 'query.at' });
      });

      it('refuses a silence or a change at an instant no date can write, and the silences stay readable', async () => {
        const silence = { matchers: [{ label: 'service', value: 'web' }], comment: 'quiet', ends_at: 9e15 };
        expect(refusal(await api('POST', '/api/silences', silence))).toMatchObject({ status: 400, path: 'body.ends_at' });
        expect(refusal(await api('POST', '/api/silences', { ...silence, ends_at: daemon.clock.now() + 3_600_000, starts_at: -5 }))).toMatchObject({ status: 400, path: 'body.starts_at' });
        expect(refusal(await api('POST', '/api/changes', { kind: 'deploy', summary: 'v2', at: 9e15 }))).toMatchObject({ status: 400, path: 'body.at' });
        await expect(daemon.operations!.incidents.createSilence({ matchers: [{ label: 'service', op: '=', value: 'web' }], endsAt: 9e15, comment: 'quiet' }, { name: 'boss', role: 'admin', via: 'cli' })).rejects.toMatchObject({ code: 'OPSBOOK_E_SILENCE_INVALID', location: { path: 'endsAt' } });
        expect((await api('GET', '/api/v2/silences')).statusCode).toBe(200);
      });

      it('refuses a NUL or half a surrogate pair in a path, query or body at its path, on every store', async () => {
        expect(refusal(await api('GET', '/api/incidents/a%00b'))).toMatchObject({ status: 400, code: 'OPSBOOK_E_REQUEST_INVALID', path: 'params.id' });
        expect(refusal(await api('GET', '/api/incidents?severity=%00'))).toMatchObject({ status: 400, path: 'query.severity' });
        expect(refusal(await api('POST', `/api/incidents/${existing.incident}/notes`, '{"text":"a\\u0000b"}'))).toMatchObject({ status: 400, path: 'body.text' });
        expect(refusal(await api('POST', '/api/incidents', '{"title":"a\\ud800b","severity":"P2"}'))).toMatchObject({ status: 400, path: 'body.title' });
        const page = await app.inject({ url: '/incidents/a%00b', headers: { cookie: session.cookie } });
        expect(page.statusCode).toBe(400);
        expect(page.body).toContain('params.id holds a NUL character');
        const form = await app.inject({ method: 'POST', url: `/incidents/${existing.incident}/notes`, headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: `text=a%00b&_csrf=${encodeURIComponent(session.csrf)}` });
        // A form's refusal is said on its page, after a redirect (post/redirect/get).
        const landed = await landOnRefusal(app, session, form);
        expect(landed.refusal).toMatchObject({ status: 400, message: expect.stringMatching(/^form\.text holds a NUL character/) });
        expect(landed.body).toMatch(/was refused — <a href="#[^"]+">[^<]+<\/a>: form\.text holds a NUL character/);
        expect(refusal(await api('POST', '/api/ingest/alertmanager', { version: '4', status: 'firing', alerts: [{ status: 'firing', labels: { 'alert\u0000name': 'x' } }] }, { authorization: `Bearer ${AM_KEY}` }))).toMatchObject({ status: 400, path: 'body.alerts[0].labels."alert\\u0000name"' });
      });

      it('names the body in refusals of its JSON, and the offending key of a prototype key', async () => {
        expect(refusal(await api('POST', '/api/incidents', '{"title": "x",'))).toMatchObject({ status: 400, code: 'OPSBOOK_E_REQUEST_INVALID', path: 'body', message: expect.stringContaining('not valid JSON') });
        expect(refusal(await api('POST', '/api/incidents', ''))).toMatchObject({ status: 400, path: 'body', message: expect.stringContaining('empty') });
        expect(refusal(await api('POST', '/api/incidents', '{"title":"x","labels":{"__proto__":{"a":1}}}'))).toMatchObject({ status: 400, path: 'body.labels.__proto__' });
        expect(refusal(await api('POST', '/api/incidents', '{"constructor":{"prototype":{"a":1}}}'))).toMatchObject({ status: 400, path: 'body.constructor.prototype' });
        expect(refusal(await api('POST', '/api/incidents', 'x', { 'content-type': 'text/x-nope' }))).toMatchObject({ status: 415, path: 'headers.content-type' });
      });

      it('refuses a step number the plan lacks before claiming it (the claim would store the number)', async () => {
        const res = await api('POST', `/api/executions/${existing.execution}/steps/9000000000000000/run`, {});
        expect(refusal(res)).toMatchObject({ status: 400, code: 'OPSBOOK_E_EXECUTION_STEP', message: expect.stringContaining('no step 9000000000000000') });
      });

      it('refuses signed webhooks with bad signatures or timestamps, and answers signed hostile bodies without a 500', async () => {
        const now = () => String(Math.floor(daemon.clock.now() / 1000));
        const slack = (body: string, ts = now(), sig?: string) =>
          app.inject({ method: 'POST', url: '/api/integrations/slack/chat', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig ?? slackSignature(SIGNING, ts, body) }, payload: body });
        const form = (payload: string) => `payload=${encodeURIComponent(payload)}`;
        for (const ts of ['', 'NaN', '-1', '1e308', '99999999999999999999', String(Math.floor(daemon.clock.now() / 1000) - 3600)]) {
          expect(refusal(await slack(form('{}'), ts)), ts).toMatchObject({ status: 401, code: 'OPSBOOK_E_WEBHOOK_SIGNATURE' });
        }
        expect(refusal(await slack(form('{}'), now(), 'v0=00'))).toMatchObject({ status: 401, code: 'OPSBOOK_E_WEBHOOK_SIGNATURE' });
        const button = (value: string) => JSON.stringify({ type: 'block_actions', user: { id: 'U123' }, actions: [{ action_id: 'acknowledge', value }], response_url: 'http://127.0.0.1:9/never' });
        for (const payload of ['null', '[]', '42', '"x"', '{"type":"block_actions"}', button('null'), button('[]'), button('{"i":"a\\u0000b"}'), button('{"i":"nope","r":"x"}')]) {
          const res = await slack(form(payload));
          expect(res.statusCode, `${payload}: ${res.body}`).toBeLessThan(500);
        }
        const pd = (body: string) => app.inject({ method: 'POST', url: '/api/integrations/pagerduty/pd', headers: { 'content-type': 'application/json', 'x-pagerduty-signature': pagerDutySignature(PD_SECRET, body) }, payload: body });
        expect(refusal(await app.inject({ method: 'POST', url: '/api/integrations/pagerduty/pd', headers: { 'content-type': 'application/json', 'x-pagerduty-signature': 'v1=00,v1=' }, payload: '{}' }))).toMatchObject({ status: 401, code: 'OPSBOOK_E_WEBHOOK_SIGNATURE' });
        for (const body of ['null', '[]', '42', '{"event":null}', '{"event":{"event_type":"incident.resolved","data":null}}', '{"event":{"event_type":"incident.resolved","data":{"incident_key":"a\\u0000b"}}}', '{"event":{"event_type":7}}']) {
          const res = await pd(body);
          expect(res.statusCode, `${body}: ${res.body}`).toBeLessThan(500);
        }
      });

      it('names the field of a refusal from the domain in the request’s words (params.…, body.…)', async () => {
        expect(refusal(await api('POST', '/api/incidents', { title: 'x', severity: 'P9' }))).toMatchObject({ status: 400, code: 'OPSBOOK_E_INCIDENT_INVALID', path: 'body.severity' });
        expect(refusal(await api('POST', '/api/incidents', { title: 'x', severity: 'P2', responders: ['nobody'] }))).toMatchObject({ status: 400, path: 'body.responders[0]' });
        expect(refusal(await api('POST', '/api/silences', { matchers: [{ label: 'service', value: 'web' }], comment: 'quiet', ends_at: 1000 }))).toMatchObject({ status: 400, code: 'OPSBOOK_E_SILENCE_INVALID', path: 'body.ends_at' });
        expect(refusal(await api('DELETE', '/api/oncall/overrides/nope'))).toMatchObject({ status: 404, path: 'params.id' });
        expect(refusal(await api('POST', '/api/users/ron/password', { password: 'short' }))).toMatchObject({ status: 400, code: 'OPSBOOK_E_PASSWORD_WEAK', path: 'body.password' });
        expect(refusal(await api('POST', `/api/incidents/${existing.incident}/status-page`, { title: '   ', body: 'x' }))).toMatchObject({ status: 400, code: 'OPSBOOK_E_STATUS_PAGE', path: 'body.title' });
      });

      it('quotes at most 2,000 characters of what was sent back in an error message', async () => {
        const long = 'x'.repeat(100_000);
        const res = refusal(await api('POST', '/api/tokens', { user: long })) as { status: number; message?: string };
        expect(res).toMatchObject({ status: 404, code: 'OPSBOOK_E_USER_UNKNOWN' });
        expect(String(res.message).length).toBeLessThan(2100);
        expect(res.message).toMatch(/… \(\d+ more characters\)$/);
      });

      it('answers a path that is not UTF-8 in the documented shape', async () => {
        expect(refusal(await api('GET', '/api/incidents/%FF%FE'))).toMatchObject({ status: 400, code: 'OPSBOOK_E_REQUEST_INVALID', path: 'url' });
      });

      it('answers an oversized signed webhook 413, as every other route does', async () => {
        const big = JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) });
        expect(refusal(await api('POST', '/api/integrations/slack/chat', big))).toMatchObject({ status: 413, code: 'OPSBOOK_E_REQUEST_TOO_LARGE', path: 'body' });
        expect(refusal(await api('POST', '/api/integrations/pagerduty/pd', big))).toMatchObject({ status: 413, code: 'OPSBOOK_E_REQUEST_TOO_LARGE', path: 'body' });
      });
    });

    /** An id that exists, for the routes whose `:param` names something the fixtures made. */
    function existingFor(url: string, param: string): string | undefined {
      if (param === 'id' && url.startsWith('/api/incidents/')) return existing.incident;
      if (param === 'id' && url.startsWith('/incidents/')) return existing.incident;
      if (param === 'id' && (url.startsWith('/api/executions/') || url.startsWith('/executions/'))) return existing.execution;
      if (param === 'step') return '1';
      if (param === 'id' && (url.startsWith('/api/silences/') || url.startsWith('/api/v2/silence/') || url.startsWith('/maintenance/silences/'))) return existing.silence;
      if (param === 'id' && url.startsWith('/api/checks/')) return 'web-backup';
      if (param === 'id' && url.startsWith('/checks/')) return 'web-backup';
      if (param === 'id' && url.startsWith('/api/channels/')) return 'hook';
      if (param === 'channel' && url.includes('/pagerduty/')) return 'pd';
      if (param === 'channel' && url.includes('/slack/')) return 'chat';
      if (param === 'integration') return 'uptime';
      if (param === 'name') return 'ron';
      if (param === 'ref') return encodeURIComponent('runbooks/look.md#RB-001');
      return undefined;
    }

    function concrete(url: string, override?: { param: string; value: string }): string {
      return url.replace(/:([A-Za-z_]+)/g, (_, p: string) => (override?.param === p ? override.value : (existingFor(url, p) ?? 'does-not-exist')));
    }

    const authFor = (url: string): Record<string, string> => {
      if (url.startsWith('/api/ingest/grafana')) return { authorization: `Bearer ${GF_KEY}` };
      if (url.startsWith('/api/ingest/json')) return { authorization: `Bearer ${JS_KEY}` };
      if (url.startsWith('/api/ingest/alertmanager')) return { authorization: `Bearer ${AM_KEY}` };
      if (url.startsWith('/api/')) return { authorization: `Bearer ${admin}` };
      return { cookie: session.cookie, 'x-csrf-token': session.csrf };
    };

    /** A fresh session after a route that may have ended it (the sweep posts to /logout with it). */
    let signIns = 0;
    async function keepSession(url: string): Promise<void> {
      if (url === '/logout' || url === '/login') session = await signIn(app, 'boss', PASSWORD, `127.0.1.${++signIns % 250}`);
    }

    const answers: Answer[] = [];
    async function send(route: { method: string; url: string }, what: string, options: InjectOptions): Promise<Answer> {
      // The live event stream never ends by itself: it is swept without holding the request open.
      const res = await app.inject({ method: route.method as 'GET', ...options });
      const contentType = String(res.headers['content-type'] ?? '');
      let error: Answer['error'];
      if (res.statusCode >= 400 && contentType.startsWith('application/json')) {
        try {
          error = (JSON.parse(res.body) as { error?: Answer['error'] }).error ?? {};
        } catch {
          error = {};
        }
      }
      const answer: Answer = { route: `${route.method} ${route.url}`, what, status: res.statusCode, body: res.body.slice(0, 600), contentType, ...(error ? { error } : {}) };
      answers.push(answer);
      return answer;
    }

    function problemsOf(a: Answer): string[] {
      const out: string[] = [];
      const where = `${a.route} [${a.what}] → ${a.status}`;
      if (a.status >= 500) out.push(`${where}: ${a.body.slice(0, 300)}`);
      if (a.error) {
        const error = a.error;
        if (!error?.code) out.push(`${where}: no error code: ${a.body.slice(0, 200)}`);
        else if (error.code === 'OPSBOOK_E_REQUEST_INVALID' && !error.path && a.status === 400) out.push(`${where}: no path: ${a.body.slice(0, 200)}`);
        // A path is in the request's words: a part of the request, then the field within it.
        else if (error.path && !/^(body|query|params|headers|url)(\.|\[|$)/.test(error.path)) out.push(`${where}: path ${error.path} is not in the request's terms: ${a.body.slice(0, 200)}`);
      }
      return out;
    }

    /**
     * Bodies a route accepts, for the routes whose schema alone does not make one (a key, a severity on
     * the ladder, an instant to come): a hostile value in one field of these reaches the handler's own
     * code, not only the schema. The inbound alert routes come first: other programs call them.
     */
    const VALID: Record<string, () => unknown> = {
      'POST /api/events': () => ({
        routing_key: EV_KEY, event_action: 'trigger', dedup_key: 'disk-1',
        payload: { summary: 'Disk full', source: 'db-1', severity: 'critical', timestamp: '2026-03-04T10:00:00Z', component: 'disk', group: 'db', class: 'disk', custom_details: { used: '97%' } },
        client: 'monitor', client_url: 'https://monitor.example.org', links: [{ href: 'https://monitor.example.org/d', text: 'dashboard' }],
      }),
      'POST /api/ingest/alertmanager': () => ({
        version: '4', groupKey: '{}:{alertname="DiskFull"}', status: 'firing', receiver: 'opsbook', groupLabels: { alertname: 'DiskFull' }, commonLabels: { alertname: 'DiskFull' }, commonAnnotations: { summary: 'disk full' }, externalURL: 'http://am.example.org', truncatedAlerts: 0,
        alerts: [{ status: 'firing', labels: { alertname: 'DiskFull', service: 'web', severity: 'critical' }, annotations: { summary: 'disk full', runbook_url: 'runbooks/look.md#RB-001' }, startsAt: '2026-03-04T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://prom.example.org/graph', fingerprint: 'abc123' }],
      }),
      'POST /api/ingest/grafana': () => ({
        receiver: 'opsbook', status: 'firing', orgId: 1, version: '1', groupKey: '{}:{alertname="Mem"}', title: '[FIRING:1] Mem', state: 'alerting', message: 'memory', externalURL: 'http://grafana.example.org',
        alerts: [{ status: 'firing', labels: { alertname: 'Mem', service: 'web' }, annotations: { summary: 'memory above 90%' }, startsAt: '2026-03-04T10:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: 'http://grafana.example.org/a', fingerprint: 'f00', silenceURL: 'http://grafana.example.org/s', dashboardURL: 'http://grafana.example.org/d', panelURL: 'http://grafana.example.org/p', values: { B: 97 }, valueString: '[ var=B value=97 ]' }],
      }),
      'POST /api/ingest/json/:integration': () => ({ name: 'site down', id: 'chk-1', level: 'critical', state: 'down' }),
      'POST /api/incidents': () => ({ title: 'db slow', severity: 'P2', service: 'web', labels: { region: 'eu' }, note: 'looking', commander: 'boss', communications: 'ron', responders: ['ron'] }),
      'POST /api/silences': () => ({ matchers: [{ label: 'service', op: '=', value: 'web' }], starts_at: daemon.clock.now(), ends_at: daemon.clock.now() + 3_600_000, comment: 'quiet', on_end: 'drop' }),
      'POST /api/v2/silences': () => ({ matchers: [{ name: 'service', value: 'web', isRegex: false, isEqual: true }], startsAt: new Date(daemon.clock.now()).toISOString(), endsAt: new Date(daemon.clock.now() + 3_600_000).toISOString(), createdBy: 'boss', comment: 'quiet' }),
      'POST /api/changes': () => ({ kind: 'deploy', summary: 'v2', service: 'web', at: daemon.clock.now(), data: { version: '2' } }),
      'POST /api/incidents/:id/notes': () => ({ text: 'a note' }),
      'POST /api/incidents/:id/severity': () => ({ severity: 'P3' }),
      'POST /api/incidents/:id/title': () => ({ title: 'a title of our own' }),
      'POST /api/incidents/:id/responders': () => ({ person: 'ron' }),
      'POST /api/oncall/overrides': () => ({ schedule: 'primary', user: 'ron', start: new Date(daemon.clock.now() + 86_400_000).toISOString(), end: new Date(daemon.clock.now() + 90_000_000).toISOString(), reason: 'swap' }),
    };
    const sampleFor = (spec: AnyRoute | undefined, key: string): unknown => VALID[key]?.() ?? (spec?.body ? sampleOf(jsonSchema(spec.body)) : {});

    const table = () => new Map<string, AnyRoute>(apiRoutes(daemon).map((r) => [`${r.method} ${r.url}`, r] as const));
    const STREAMS = new Set(['GET /ui/events']);
    const swept = () => app.routeInventory.filter((r) => !STREAMS.has(`${r.method} ${r.url}`));

    it('sweeps the bodies of every route that takes one', async () => {
      const specs = table();
      const failures: string[] = [];
      for (const r of swept().filter((x) => x.method !== 'GET')) {
        const spec: AnyRoute | undefined = specs.get(`${r.method} ${r.url}`);
        const url = concrete(r.url);
        const headers = authFor(r.url);
        const json = { ...headers, 'content-type': 'application/json' };
        const sample = sampleFor(spec, `${r.method} ${r.url}`);
        const whole: Array<[string, InjectOptions]> = [
          ['malformed JSON', { url, headers: json, payload: '{"title": "x",' }],
          ['JSON array', { url, headers: json, payload: '[]' }],
          ['JSON string', { url, headers: json, payload: '"x"' }],
          ['JSON number', { url, headers: json, payload: '42' }],
          ['JSON null', { url, headers: json, payload: 'null' }],
          ['JSON true', { url, headers: json, payload: 'true' }],
          ['empty JSON body', { url, headers: json, payload: '' }],
          ['empty object', { url, headers: json, payload: '{}' }],
          ['no content type', { url, headers, payload: Buffer.from('{"a":1}') }],
          ['text/plain', { url, headers: { ...headers, 'content-type': 'text/plain' }, payload: 'hello' }],
          ['form', { url, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'a=1&a=2&title=%00&_csrf=' + encodeURIComponent(session.csrf) }],
          ['charset latin1', { url, headers: { ...headers, 'content-type': 'application/json; charset=latin1' }, payload: Buffer.from('{"title":"\xe9"}', 'latin1') }],
          ['invalid UTF-8', { url, headers: json, payload: Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]) }],
          ['NUL in raw JSON', { url, headers: json, payload: '{"title":"a\u0000b"}' }],
          ['deep nesting', { url, headers: json, payload: `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}` }],
          ['2 MB body', { url, headers: json, payload: JSON.stringify({ title: 'x'.repeat(2 * 1024 * 1024) }) }],
          ['sample', { url, headers: json, payload: JSON.stringify(sample) }],
          ['sample again', { url, headers: json, payload: JSON.stringify(sample) }],
          ['sample + extra fields', { url, headers: json, payload: JSON.stringify({ ...(sample as object), extra: 'x', constructor: 1 }) }],
        ];
        for (const [what, options] of whole) {
          for (const p of problemsOf(await send(r, what, options))) failures.push(p);
          await keepSession(r.url);
        }
        if (VALID[`${r.method} ${r.url}`]) {
          // The valid body is accepted (a refusal here would mean the mutations below never reach the handler).
          const accepted = answers.find((a) => a.route === `${r.method} ${r.url}` && a.what === 'sample');
          if (accepted && accepted.status >= 400) failures.push(`${r.method} ${r.url}: its valid body was refused: ${accepted.body.slice(0, 200)}`);
        }
        if (spec?.body && sample && typeof sample === 'object') {
          for (const at of leaves(sample)) {
            for (const [name, value] of HOSTILE_VALUES) {
              const a = await send(r, `${at.join('.') || 'body'} = ${name}`, { url, headers: json, payload: JSON.stringify(withValue(sample, at, value)) });
              for (const p of problemsOf(a)) failures.push(p);
            }
            // A field missing.
            if (at.length === 1) {
              const copy = { ...(sample as Record<string, unknown>) };
              delete copy[at[0]!];
              for (const p of problemsOf(await send(r, `without ${at[0]}`, { url, headers: json, payload: JSON.stringify(copy) }))) failures.push(p);
            }
          }
        }
      }
      expect(failures).toEqual([]);
    }, scaled(600_000));

    it('sweeps bad ids in the path and bad query parameters of every route', async () => {
      const specs = table();
      const failures: string[] = [];
      for (const r of swept()) {
        const spec = specs.get(`${r.method} ${r.url}`);
        const headers = { ...authFor(r.url), ...(r.method === 'GET' ? {} : { 'content-type': 'application/json' }) };
        const payload = r.method === 'GET' ? undefined : JSON.stringify(sampleFor(spec, `${r.method} ${r.url}`));
        for (const param of [...r.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1]!)) {
          for (const value of PARAM_VALUES) {
            for (const p of problemsOf(await send(r, `:${param} = ${value.slice(0, 20)}`, { url: concrete(r.url, { param, value }), headers, ...(payload === undefined ? {} : { payload }) }))) failures.push(p);
          }
        }
        const keys = spec?.query ? Object.keys((jsonSchema(spec.query).properties ?? {}) as object) : [];
        // Every route's own query parameters; on reads, some it does not have too (ignored or refused, never a 500).
        for (const key of r.method === 'GET' ? [...new Set([...keys, 'unknown', 'team', 'limit'])] : keys) {
          for (const value of QUERY_VALUES) {
            const url = `${concrete(r.url)}?${key}=${value.startsWith('%') ? value : encodeURIComponent(value)}`;
            for (const p of problemsOf(await send(r, `?${key}=${value.slice(0, 20)}`, { url, headers, ...(payload === undefined ? {} : { payload }) }))) failures.push(p);
          }
          for (const p of problemsOf(await send(r, `?${key} twice`, { url: `${concrete(r.url)}?${key}=1&${key}=2`, headers, ...(payload === undefined ? {} : { payload }) }))) failures.push(p);
        }
        await keepSession(r.url);
      }
      expect(failures).toEqual([]);
    }, scaled(600_000));

    it('sweeps wrong and missing credentials on every route', async () => {
      const failures: string[] = [];
      const credentials: Array<[string, Record<string, string>]> = [
        ['none', {}],
        ['Bearer alone', { authorization: 'Bearer' }],
        ['Bearer two words', { authorization: 'Bearer a b' }],
        ['Basic', { authorization: 'Basic Ym9zczpwdw==' }],
        ['unknown token', { authorization: `Bearer ${'z'.repeat(64)}` }],
        ['token with NUL', { authorization: 'Bearer abc%00def' }],
        ['huge token', { authorization: `Bearer ${'a'.repeat(8000)}` }],
        ['garbage cookie', { cookie: 'opsbook_session=%%%; x=%00' }],
        ['session without CSRF', { cookie: session.cookie }],
        ['session with a wrong CSRF', { cookie: session.cookie, 'x-csrf-token': 'nope' }],
        ['session with two CSRF headers', { cookie: session.cookie, 'x-csrf-token': `${session.csrf}, ${session.csrf}` }],
      ];
      for (const r of swept()) {
        for (const [what, headers] of credentials) {
          const options: InjectOptions = { url: concrete(r.url), headers: r.method === 'GET' ? headers : { ...headers, 'content-type': 'application/json' }, ...(r.method === 'GET' ? {} : { payload: '{}' }) };
          for (const p of problemsOf(await send(r, `credentials: ${what}`, options))) failures.push(p);
          await keepSession(r.url);
        }
      }
      expect(failures).toEqual([]);
    }, scaled(300_000));

    it('logs the cause of every 500 and leaves what is stored readable', async () => {
      const internal = answers.filter((a) => a.status >= 500);
      for (const a of internal) {
        const id = /"request_id":"([^"]+)"/.exec(a.body)?.[1];
        if (!id) continue;
        const logged = logLines.some((l) => l.includes(`"reqId":"${id}"`) && /"level":(50|60)/.test(l));
        expect(logged, `${a.route} [${a.what}]: no log line for request ${id}`).toBe(true);
      }
      const reads = ['/api/incidents', `/api/incidents/${existing.incident}`, `/api/incidents/${existing.incident}/timeline`, '/api/silences', '/api/v2/silences', '/api/executions', '/api/oncall/overrides', '/api/audit', '/api/tokens', '/api/checks', '/api/status-page', '/api/alerts', '/api/calendars', '/api/maintenance', '/api/deliveries/dead'];
      for (const url of reads) {
        const res = await app.inject({ url, headers: { authorization: `Bearer ${admin}` } });
        expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
      }
      for (const url of ['/', '/incidents', `/incidents/${existing.incident}`, '/maintenance', '/oncall', '/executions', '/status', '/tokens', '/checks']) {
        const res = await app.inject({ url, headers: { cookie: session.cookie } });
        expect(res.statusCode, `${url}: ${res.body.slice(0, 300)}`).toBe(200);
      }
      expect((await app.inject({ url: '/_health/live' })).statusCode).toBe(200);
    }, scaled(120_000));
  });
}
