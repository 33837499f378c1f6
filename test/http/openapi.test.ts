/**
 * The OpenAPI document declares what every operation returns, and what the server really returns
 * fits it: real answers from a daemon with state in it are validated against the document's JSON
 * Schemas (with Ajv, as a client would) and against the routes' own zod schemas.
 */
import type { FastifyInstance } from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { apiRoutes } from '../../src/http/index.js';
import { buildOpenApi } from '../../src/http/openapi.js';
import { route } from '../../src/http/routes.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

interface Operation {
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

/** Operations whose success answers are JSON (or undeclared) without a schema to read them by. */
export function operationsWithoutResponseSchema(doc: Doc): string[] {
  const missing: string[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const content = Object.entries(op.responses)
        .filter(([code]) => /^2\d\d$/.test(code))
        .flatMap(([, r]) => Object.entries(r.content ?? {}));
      if (content.length === 0) missing.push(`${method.toUpperCase()} ${p}: no 2xx content`);
      for (const [type, c] of content) {
        if (type.includes('json') && Object.keys(c.schema ?? {}).length === 0) missing.push(`${method.toUpperCase()} ${p}: ${type} without a schema`);
      }
    }
  }
  return missing;
}

const CONFIG = `users:
  - { name: ana, role: responder }
  - { name: adm, role: admin }
services:
  - { id: web, name: Web front, shell: { cwd: . } }
checks:
  - { id: web-up, kind: tcp, host: 127.0.0.1, port: 9, service: web, interval: 1h }
channels:
  - { id: hook, kind: webhook, url: "http://127.0.0.1:9/hook", secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] }
schedules:
  - id: primary
    time_zone: UTC
    layers:
      - { name: Weekly, users: [ana, adm], rotation: { length: 1w, handoff: "09:00", start: 2026-03-02 } }
maintenance:
  - { id: nightly, cron: "0 2 * * *", duration: 1h, time_zone: UTC, services: [web] }
integrations:
  - { id: pd, kind: events, key: events-key-0123456789 }
slos:
  - { id: web-available, kind: availability, checks: [web-up], objective: 99.9%, window: 7d }
runbooks:
  - runbooks/*.md
`;
const RUNBOOK = '# Web\n\n## RB-1: Restart web\n\n**Diagnosis:**\n```bash\necho "looking at web"\n```\n\n- [ ] Told the customer\n';

let server: DaemonApp;
let daemon: Daemon;
let app: FastifyInstance;
let doc: Doc;
let token: Record<string, string>;

beforeAll(async () => {
  server = await startDaemonApp('openapi', { 'ops.yaml': CONFIG, 'runbooks/web.md': RUNBOOK });
  ({ daemon, app } = server);
  token = await apiTokens(daemon, 'adm', ['ana', 'adm']);
  doc = (await app.inject({ url: '/api/openapi.json' })).json() as Doc;
});
afterAll(async () => {
  await server?.close();
});

describe('OpenAPI response schemas', () => {
  it('gives every JSON operation a 2xx response schema', () => {
    expect(Object.keys(doc.paths).length).toBeGreaterThan(30);
    expect(operationsWithoutResponseSchema(doc)).toEqual([]);
  });

  it('flags a JSON route declared without one', () => {
    const bare = route({ method: 'GET', url: '/api/bare', access: 'viewer', summary: 'No schema.', handler: () => ({ ok: true }) });
    const page = route({ method: 'GET', url: '/api/page', access: 'viewer', summary: 'A page.', produces: ['text/html'], handler: () => 'x' as never });
    expect(operationsWithoutResponseSchema(buildOpenApi([bare, page], 'http://127.0.0.1') as Doc)).toEqual(['GET /api/bare: no 2xx content']);
  });

  it('validates real answers against the document and the routes’ own schemas', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const routes = apiRoutes(daemon);
    const problems: string[] = [];
    const checked = new Set<string>();
    async function call<T = Record<string, unknown>>(user: string | undefined, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown): Promise<T> {
      const res = await app.inject({ method, url, headers: user ? { authorization: `Bearer ${token[user]}` } : {}, ...(body !== undefined ? { payload: body as object } : {}) });
      const pathOnly = url.split('?')[0]!;
      const spec = routes.find((r) => r.method === method && new RegExp(`^${r.url.replace(/:[A-Za-z_]+/g, '[^/]+')}$`).test(pathOnly));
      if (!spec) throw new Error(`no route for ${method} ${url}`);
      const key = `${method} ${spec.url}`;
      if (res.statusCode >= 300) {
        problems.push(`${key}: answered ${res.statusCode} ${res.body.slice(0, 200)}`);
        return res.json() as T;
      }
      const json = res.json() as T;
      const declared = doc.paths[spec.url.replace(/:([A-Za-z_]+)/g, '{$1}')]![method.toLowerCase()]!.responses[String(res.statusCode)];
      const schema = declared?.content?.['application/json']?.schema;
      if (!schema) problems.push(`${key}: ${res.statusCode} not declared`);
      else if (!ajv.validate(schema, json)) problems.push(`${key} (document): ${ajv.errorsText(ajv.errors)}`);
      const own = spec.response?.safeParse(json);
      if (!own?.success) problems.push(`${key} (zod): ${own?.error.message ?? 'no schema'}`);
      checked.add(key);
      return json;
    }

    await call('ana', 'GET', '/api/whoami');
    await call(undefined, 'GET', '/api/openapi.json');
    await call('ana', 'GET', '/api/services');
    await call('ana', 'GET', '/api/checks');
    await call('ana', 'GET', '/api/checks/web-up');
    await call('ana', 'POST', '/api/checks/web-up/run');
    await call('ana', 'GET', '/api/alerts');
    await call('ana', 'GET', '/api/channels');
    await call('ana', 'GET', '/api/deliveries/dead');
    await call('ana', 'GET', '/api/maintenance');
    await call('ana', 'GET', '/api/oncall/now?at=2026-03-10T12:00Z');
    await call('ana', 'GET', '/api/slos');
    await call('ana', 'GET', '/api/report?period=30d');
    await call('ana', 'GET', '/api/audit/head');

    const incident = await call<{ id: string }>('ana', 'POST', '/api/incidents', { title: 'Checkout slow', severity: 'P2', service: 'web', note: 'customers report it' });
    await call('ana', 'POST', `/api/incidents/${incident.id}/acknowledge`, { note: 'looking' });
    await call('ana', 'POST', `/api/incidents/${incident.id}/notes`, { text: 'pool at 97%' });
    await call('ana', 'POST', '/api/changes', { kind: 'deploy', summary: 'web 1.2.3', service: 'web' });
    await call('ana', 'GET', '/api/incidents?state=open');
    await call('ana', 'GET', `/api/incidents/${incident.id}`);
    await call('ana', 'GET', `/api/incidents/${incident.id}/timeline`);
    await call('ana', 'GET', `/api/incidents/${incident.id}/deliveries`);
    await call(undefined, 'POST', '/api/events', { routing_key: 'events-key-0123456789', event_action: 'trigger', dedup_key: 'disk-1', payload: { summary: 'disk full', source: 'db1', severity: 'critical' } });

    const silence = await call<{ id: string }>('ana', 'POST', '/api/silences', { matchers: [{ label: 'service', value: 'web' }], ends_at: Date.now() + 3_600_000, comment: 'deploy' });
    await call('ana', 'GET', '/api/silences');
    await call('ana', 'DELETE', `/api/silences/${silence.id}`);

    const ref = encodeURIComponent('runbooks/web.md#RB-1');
    await call('ana', 'GET', '/api/runbooks');
    await call('ana', 'GET', `/api/runbooks/procedures/${ref}`);
    await call('ana', 'POST', `/api/runbooks/procedures/${ref}/plan`, { service: 'web' });
    const exe = await call<{ id: string }>('ana', 'POST', '/api/executions', { procedure: 'runbooks/web.md#RB-1', service: 'web', incident: incident.id });
    await call('ana', 'POST', `/api/executions/${exe.id}/steps/1/run`, {});
    await call('ana', 'POST', `/api/executions/${exe.id}/steps/2/tick`, { note: 'told them' });
    await call('ana', 'GET', `/api/executions/${exe.id}`);
    await call('ana', 'GET', `/api/executions?incident=${incident.id}`);
    await call('ana', 'POST', `/api/executions/${exe.id}/finish`);
    const other = await call<{ id: string }>('ana', 'POST', '/api/executions', { procedure: 'runbooks/web.md#RB-1' });
    await call('ana', 'POST', `/api/executions/${other.id}/cancel`);
    await call('ana', 'POST', `/api/incidents/${incident.id}/resolve`, {});

    const created = await call<{ id: string }>('adm', 'POST', '/api/tokens', { user: 'ana', name: 'ci' });
    await call('adm', 'GET', '/api/tokens');
    await call('adm', 'POST', `/api/tokens/${created.id}/revoke`);
    await call('adm', 'POST', '/api/users/ana/password', { password: 'a long enough password' });
    await call('adm', 'POST', '/api/channels/hook/test');
    await call('adm', 'GET', '/api/audit?limit=20');

    expect(problems).toEqual([]);
    expect(checked.size).toBeGreaterThan(40);
  });
});
