/**
 * Every route declares its access, and the declaration is enforced: a walk over every route × role
 * (anonymous, viewer, responder, admin) expects 401 without a token on non-public routes, 403 below
 * the declared role, and neither at or above it. A viewer gets 403 on every state-changing route.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Daemon } from '../../src/daemon/index.js';
import { apiRoutes } from '../../src/http/index.js';
import { uiRoutes } from '../../src/http/routes/ui.js';
import { ROLES, type Role } from '../../src/identity/index.js';
import { apiTokens, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';

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
