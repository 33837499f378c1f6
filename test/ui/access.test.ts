/**
 * Every web UI route declares its access, and the declaration is enforced with browser sessions:
 * anonymous callers are sent to sign in (pages) or refused (actions), a session below the route's
 * role gets 403 (a form's action: its page, after a redirect, saying so), at or above it gets
 * through. Every state-changing UI route also refuses a valid session without the CSRF token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uiRoutes } from '../../src/http/routes/ui.js';
import { ROLES, type Role } from '../../src/identity/index.js';
import { carriedRefusal, form, signIn, startUi, type SignedIn, type UiHarness } from './support.js';

let h: UiHarness;
const sessions = {} as Record<Role, SignedIn>;

beforeAll(async () => {
  h = await startUi();
  for (const r of ROLES) sessions[r] = await signIn(h.app, `${r}-user`);
});
afterAll(async () => {
  await h.close();
});

function concrete(url: string): string {
  return url.replace(/:file\b/, 'opsbook.css').replace(/:([A-Za-z_]+)/g, 'does-not-exist');
}

function outcome(status: number, location: string | undefined, setCookie?: string | string[]): 'signin' | 401 | 403 | 'allowed' {
  if (status === 303 && location?.startsWith('/login')) return 'signin';
  if (status === 401 || status === 403) return status;
  // A form's refusal goes to the form's page with it (post/redirect/get).
  if (status === 303 && carriedRefusal(setCookie)?.refusal.status === 403) return 403;
  return 'allowed';
}

describe('UI route access', () => {
  it('registers no UI route without an access declaration', () => {
    const inventory = new Map(h.app.routeInventory.map((r) => [`${r.method} ${r.url}`, r.access]));
    const routes = uiRoutes();
    expect(routes.length).toBeGreaterThan(10);
    for (const r of routes) expect(inventory.get(`${r.method} ${r.url}`), `${r.method} ${r.url}`).toBe(r.access);
  });

  it('enforces each UI route’s role for every caller', async () => {
    const failures: string[] = [];
    for (const r of uiRoutes()) {
      if (r.url === '/ui/events' || r.url === '/logout') continue; // a stream, and a route that ends the session: below
      for (const caller of ['anonymous', ...ROLES] as const) {
        const s = caller === 'anonymous' ? undefined : sessions[caller];
        const post = r.method === 'POST';
        const res = await h.app.inject({
          method: r.method,
          url: concrete(r.url),
          ...(post ? form({ _csrf: s?.csrf ?? '' }) : {}),
          headers: { ...(post ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(s ? { cookie: s.cookie } : {}) },
        });
        const allowed = r.access === 'public' || (caller !== 'anonymous' && ROLES.indexOf(caller) >= ROLES.indexOf(r.access as Role));
        const expected = allowed ? 'allowed' : caller === 'anonymous' ? (post ? 401 : 'signin') : 403;
        const got = outcome(res.statusCode, res.headers.location as string | undefined, res.headers['set-cookie'] as string | string[] | undefined);
        // A public POST (/login) answers 401 to bad credentials: that is its own check, not access.
        if (got !== expected && !(r.access === 'public' && post)) failures.push(`${r.method} ${r.url} as ${caller}: expected ${expected}, got ${res.statusCode}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('refuses every state-changing UI route to a signed-in admin without the CSRF token', async () => {
    for (const r of uiRoutes().filter((x) => x.method === 'POST' && x.access !== 'public')) {
      const res = await h.app.inject({ method: 'POST', url: concrete(r.url), ...form({ note: 'x' }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: sessions.admin.cookie } });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(403);
      expect(res.body).toContain('Form expired');
    }
  });

  it('streams live events only to a signed-in viewer', async () => {
    expect(outcome((await h.app.inject({ url: '/ui/events' })).statusCode, (await h.app.inject({ url: '/ui/events' })).headers.location as string)).toBe('signin');
  });
});
