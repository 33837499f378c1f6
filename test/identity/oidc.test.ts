/**
 * Single sign-on against a real OpenID Connect provider on loopback (`oidc-provider`, started by
 * the test, with its development login form): the browser's whole round trip is driven over HTTP
 * with cookies, as a browser would. A person in group `sre` becomes responder, in `sre-leads`
 * admin, in neither is refused; a forged state is refused; local passwords can be switched off.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webAuthFor } from '../../src/http/sessions/index.js';
import { listenOnLoopback, startDaemonApp, type DaemonApp } from '../support/daemon-app.js';
import { freePort } from '../support/net.js';

const GROUPS: Record<string, string[]> = {
  ann: ['sre', 'everyone'],
  bob: ['sre-leads', 'sre'],
  cat: ['marketing'],
};

/** Cookies per origin, as a browser keeps them (names and values only; enough for this flow). */
class Browser {
  private jars = new Map<string, Map<string, string>>();

  async get(url: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const u = new URL(url);
    const jar = this.jars.get(u.origin) ?? new Map<string, string>();
    this.jars.set(u.origin, jar);
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { method: init.method ?? 'GET', body: init.body, redirect: 'manual', headers: { ...(cookie ? { cookie } : {}), ...init.headers } });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /** Follows redirects from `url` until a page answers; posts the provider's forms on the way. */
  async signIn(start: string, login: string): Promise<Response> {
    let res = await this.get(start);
    for (let hops = 0; hops < 20; hops++) {
      if (res.status >= 300 && res.status < 400) {
        res = await this.get(new URL(res.headers.get('location')!, res.url || start).href);
        continue;
      }
      const body = await res.clone().text();
      const form = /<form[^>]*action="([^"]+)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(body);
      const prompt = form && /name="prompt" value="(\w+)"/.exec(form[2]!)?.[1];
      if (!form || !prompt) return res;
      const fields = new URLSearchParams({ prompt, ...(prompt === 'login' ? { login, password: 'any' } : {}) });
      res = await this.get(new URL(form[1]!, res.url).href, { method: 'POST', body: fields.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    }
    throw new Error('too many redirects');
  }

  cookie(origin: string, name: string): string | undefined {
    return this.jars.get(origin)?.get(name);
  }
}

describe('OpenID Connect sign-in', () => {
  let idp: http.Server;
  let issuer: string;
  let harness: DaemonApp;
  let base: string;

  beforeAll(async () => {
    const opsbookPort = await freePort();
    base = `http://127.0.0.1:${opsbookPort}`;
    idp = http.createServer();
    await new Promise<void>((r) => idp.listen(0, '127.0.0.1', r));
    issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
    const provider = new Provider(issuer, {
      clients: [{ client_id: 'opsbook', client_secret: 'a-test-secret-of-enough-length', redirect_uris: [`${base}/login/oidc/callback`], grant_types: ['authorization_code'], response_types: ['code'] }],
      claims: { openid: ['sub'], email: ['email'], profile: ['preferred_username'], groups: ['groups'] },
      scopes: ['openid', 'email', 'profile', 'groups'],
      findAccount: async (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: async () => ({ sub: id, email: `${id}@example.org`, preferred_username: id, groups: GROUPS[id] ?? [] }),
      }),
      cookies: { keys: ['oidc-test-cookie-key'] },
      features: { devInteractions: { enabled: true } },
    });
    provider.on('server_error', (_ctx: unknown, err: Error) => console.error('oidc-provider', err));
    idp.on('request', provider.callback());
    harness = await startDaemonApp('oidc', {
      'ops.yaml': [
        'server:',
        `  port: ${opsbookPort}`,
        'users:',
        '  - name: ann',
        '    email: ann@example.org',
        '    role: viewer',
        'auth:',
        '  oidc:',
        `    issuer: ${issuer}`,
        '    client_id: opsbook',
        '    client_secret: a-test-secret-of-enough-length',
        '    roles: {sre: responder, sre-leads: admin}',
        '    label: Example SSO',
        'checks: []',
        '',
      ].join('\n'),
    });
    await listenOnLoopback(harness.app, opsbookPort);
  });
  afterAll(async () => {
    await harness?.close();
    await new Promise((r) => idp?.close(r));
  });

  /** Who the browser's session cookie signs in as, asked of the daemon's own session store. */
  async function whoAmI(browser: Browser): Promise<{ name: string; role: string } | undefined> {
    const session = await webAuthFor(harness.daemon).sessions.lookup(browser.cookie(base, 'opsbook_session'));
    return session?.actor;
  }

  it('the sign-in page offers the provider', async () => {
    const page = await (await new Browser().get(`${base}/login`)).text();
    expect(page).toContain('Sign in with Example SSO');
    expect(page).toContain('name="password"');
  });

  it('a person in group sre becomes responder, as the configured user with their email', async () => {
    const browser = new Browser();
    const res = await browser.signIn(`${base}/login/oidc?next=/incidents`, 'ann');
    // Back on opsbook, on the page asked for, signed in.
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${base}/incidents`);
    // ann is a viewer in users:, but her groups decide: responder.
    expect(await whoAmI(browser)).toMatchObject({ name: 'ann', role: 'responder' });
  });

  it('a person in sre-leads becomes admin, though not in users:', async () => {
    const browser = new Browser();
    await browser.signIn(`${base}/login/oidc`, 'bob');
    expect(await whoAmI(browser)).toMatchObject({ name: 'bob', role: 'admin' });
  });

  it('a person in neither group is refused, and the refusal is audited', async () => {
    const browser = new Browser();
    const res = await browser.signIn(`${base}/login/oidc`, 'cat');
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('none of the groups');
    expect(browser.cookie(base, 'opsbook_session')).toBeUndefined();
    const audit = await harness.daemon.store.db.selectFrom('audit_log').select(['action', 'subject']).where('action', '=', 'session.login_refused').execute();
    expect(audit).toContainEqual({ action: 'session.login_refused', subject: 'user:cat' });
  });

  it('a callback whose state does not match the browser’s is refused', async () => {
    const browser = new Browser();
    const start = await browser.get(`${base}/login/oidc`);
    expect(start.status).toBe(303);
    const res = await browser.get(`${base}/login/oidc/callback?code=forged&state=not-the-one&iss=${encodeURIComponent(issuer)}`);
    expect(res.status).toBe(400);
    expect(browser.cookie(base, 'opsbook_session')).toBeUndefined();
  });

  it('with passwords off, the password form is gone and a posted password is refused', async () => {
    const yaml = harness.daemon.config;
    const saved = yaml.auth.passwords;
    yaml.auth.passwords = false;
    try {
      const browser = new Browser();
      expect(await (await browser.get(`${base}/login`)).text()).not.toContain('name="password"');
      const res = await browser.get(`${base}/login`, { method: 'POST', body: 'username=ann&password=whatever-long-enough', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(res.status).toBe(403);
    } finally {
      yaml.auth.passwords = saved;
    }
  });
});
