/**
 * Sign-in for people: scrypt passwords set from the CLI, session cookies (HttpOnly, SameSite=Lax,
 * Secure and __Host- over https), CSRF on every state-changing request, idle and absolute expiry
 * on the injected clock, and the login rate limit per user name and per address.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/lib/clock.js';
import { listAudit } from '../../src/store/index.js';
import { burnCost, DEFAULT_SCRYPT_COST, hashPassword, verifyPassword } from '../../src/http/sessions/index.js';
import { runCli } from '../support/cli.js';
import { allFileBytes } from '../support/files.js';
import { form, PASSWORD, signIn, startUi, TEST_COST, type UiHarness } from './support.js';

let h: UiHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function login(app: UiHarness['app'], username: string, password: string, ip = '127.0.0.1') {
  return app.inject({ method: 'POST', url: '/login', ...form({ username, password, next: '/oncall' }), remoteAddress: ip });
}

describe('passwords', () => {
  it('hashes with scrypt and a fresh salt per hash, and verifies only the right password', async () => {
    const a = await hashPassword('a long enough password', TEST_COST);
    const b = await hashPassword('a long enough password', TEST_COST);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(a).not.toBe(b);
    await expect(verifyPassword(a, 'a long enough password')).resolves.toBe(true);
    await expect(verifyPassword(a, 'a long enough passworD')).resolves.toBe(false);
    await expect(verifyPassword('garbage', 'x')).resolves.toBe(false);
  });

  it('spends on a name without a password the verification of the stored hashes’ cost, not a fixed one', async () => {
    // The cost is kept in each hash: a burn at another cost than the stored hashes' would tell
    // unknown names from known ones by the time of the answer.
    expect(burnCost(await hashPassword('a long enough password', TEST_COST))).toEqual(TEST_COST);
    expect(burnCost(await hashPassword('a long enough password', { N: 2048, r: 4, p: 2 }))).toEqual({ N: 2048, r: 4, p: 2 });
    expect(burnCost(undefined)).toEqual(DEFAULT_SCRYPT_COST);
    expect(burnCost('garbage')).toEqual(DEFAULT_SCRYPT_COST);
  });

  it('opsbook user passwd reads the password from stdin and stores only its hash', async () => {
    h = await startUi();
    const { dir } = h;
    const secret = 'a very particular passphrase 42';
    // The CLI opens the same SQLite file, so the daemon is stopped while it runs.
    await h.restart(async () => {
      const run = await runCli(['user', 'passwd', 'viewer-user', '--config', path.join(dir, 'ops.yaml')], { input: `${secret}\n`, env: { OPSBOOK_USER: 'admin-user' } });
      expect(run.stderr).toBe('');
      expect(run.stdout).toContain('password set for viewer-user');
      expect(run.code).toBe(0);
      const bytes = allFileBytes(path.join(dir, '.opsbook'));
      expect(bytes).not.toContain(secret);
      const short = await runCli(['user', 'passwd', 'viewer-user', '--config', path.join(dir, 'ops.yaml')], { input: 'short\n' });
      expect(short.code).not.toBe(0);
      expect(short.stderr).toContain('OPSBOOK_E_PASSWORD_WEAK');
    });
    expect((await login(h.app, 'viewer-user', secret)).statusCode).toBe(303);
    expect((await login(h.app, 'viewer-user', PASSWORD)).statusCode).toBe(401);
  });
});

describe('sessions', () => {
  it('signs in with a session cookie that is HttpOnly and SameSite=Lax, and records it in the audit log', async () => {
    h = await startUi();
    const res = await login(h.app, 'responder-user', PASSWORD);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/oncall');
    const raw = String(res.headers['set-cookie']);
    expect(raw).toMatch(/^opsbook_session=[\w-]{43};/);
    expect(raw).toMatch(/HttpOnly/);
    expect(raw).toMatch(/SameSite=Lax/);
    expect(raw).not.toMatch(/Secure/);
    const audit = await listAudit(h.daemon.store.db, { subject: 'user:responder-user' });
    expect(audit.map((a) => a.action)).toContain('session.login');
    // Only the SHA-256 of the session id is stored.
    const rows = await h.daemon.store.db.selectFrom('ui_sessions').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id_hash).not.toBe(res.cookies[0]!.value);
    expect(rows[0]!.id_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('uses a __Host- cookie with Secure when served over https', async () => {
    h = await startUi({ yaml: 'server:\n  public_url: https://ops.example.test\n' });
    const res = await login(h.app, 'viewer-user', PASSWORD);
    const raw = String(res.headers['set-cookie']);
    expect(raw).toMatch(/^__Host-opsbook_session=/);
    expect(raw).toMatch(/Secure/);
    expect(raw).toMatch(/Path=\//);
    expect(raw).not.toMatch(/Domain=/);
  });

  it('refuses a wrong password and an unknown user with the same answer', async () => {
    h = await startUi();
    const wrong = await login(h.app, 'viewer-user', 'not the password at all');
    const unknown = await login(h.app, 'nobody', 'not the password at all');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toContain('Wrong user name or password.');
    expect(unknown.body.replace('nobody', 'viewer-user')).toBe(wrong.body);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('redirects pages to the sign-in form without a session, and refuses a login form posted from another site', async () => {
    h = await startUi();
    const res = await h.app.inject({ url: '/oncall' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Foncall');
    const forged = await h.app.inject({ method: 'POST', url: '/login', ...form({ username: 'viewer-user', password: PASSWORD }), headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' } });
    expect(forged.statusCode).toBe(403);
    expect(forged.headers['set-cookie']).toBeUndefined();
    // next= never leaves the site
    const offsite = await h.app.inject({ method: 'POST', url: '/login', ...form({ username: 'viewer-user', password: PASSWORD, next: '//evil.example/x' }) });
    expect(offsite.headers.location).toBe('/');
  });

  it('needs the session’s CSRF token on every state-changing UI request and on the API', async () => {
    h = await startUi();
    const s = await signIn(h.app, 'responder-user');
    const without = await h.app.inject({ method: 'POST', url: '/logout', headers: { cookie: s.cookie } });
    expect(without.statusCode).toBe(403);
    // Another token for sure: the first character changed (the last ones may differ only in base64's unused bits).
    const other = `${s.csrf[0] === 'A' ? 'B' : 'A'}${s.csrf.slice(1)}`;
    const wrong = await h.app.inject({ method: 'POST', url: '/logout', ...form({ _csrf: other }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie } });
    expect(wrong.statusCode).toBe(403);
    // The API: a cookie alone is refused; with the header it acts as the session's user.
    const api = await h.app.inject({ url: '/api/whoami', headers: { cookie: s.cookie } });
    expect(api.statusCode).toBe(403);
    expect(api.json()).toMatchObject({ error: { code: 'OPSBOOK_E_CSRF_INVALID' } });
    const ok = await h.app.inject({ url: '/api/whoami', headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
    expect(ok.json()).toEqual({ name: 'responder-user', role: 'responder' });
    // Sign-out with the token ends the session.
    const out = await h.app.inject({ method: 'POST', url: '/logout', ...form({ _csrf: s.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: s.cookie } });
    expect(out.statusCode).toBe(303);
    expect((await h.app.inject({ url: '/oncall', headers: { cookie: s.cookie } })).statusCode).toBe(303);
  });

  it('ends a session after the idle limit, and after the absolute limit however active', async () => {
    const clock = new SimulatedClock('2026-03-01T00:00:00Z');
    h = await startUi({ clock, session: { idleMs: 30 * 60_000, absoluteMs: 2 * 3_600_000 } });
    const a = await signIn(h.app, 'viewer-user');
    await clock.advance(29 * 60_000);
    expect((await h.app.inject({ url: '/oncall', headers: { cookie: a.cookie } })).statusCode).toBe(200);
    await clock.advance(31 * 60_000); // idle 31 min since the last request
    expect((await h.app.inject({ url: '/oncall', headers: { cookie: a.cookie } })).statusCode).toBe(303);

    const b = await signIn(h.app, 'viewer-user');
    for (let i = 0; i < 4; i++) {
      await clock.advance(25 * 60_000);
      expect((await h.app.inject({ url: '/oncall', headers: { cookie: b.cookie } })).statusCode).toBe(200);
    }
    await clock.advance(25 * 60_000); // 125 min after sign-in, never idle for long
    expect((await h.app.inject({ url: '/oncall', headers: { cookie: b.cookie } })).statusCode).toBe(303);
  });
});

describe('login rate limit', () => {
  it('five wrong passwords from one address make that address wait for that user, with doubling backoff; the real user signs in from another address', async () => {
    const clock = new SimulatedClock('2026-03-01T00:00:00Z');
    h = await startUi({ clock });
    for (let i = 0; i < 5; i++) expect((await login(h.app, 'admin-user', `wrong password ${i}`, '203.0.113.5')).statusCode).toBe(401);
    const blocked = await login(h.app, 'admin-user', PASSWORD, '203.0.113.5');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('60');
    expect(blocked.body).toContain('Too many failed sign-ins');
    // The attacker's failures do not lock the account: the real user, elsewhere, signs in.
    expect((await login(h.app, 'admin-user', PASSWORD, '10.0.0.9')).statusCode).toBe(303);
    await clock.advance(60_000);
    expect((await login(h.app, 'admin-user', 'wrong again', '203.0.113.5')).statusCode).toBe(401); // 6th failure
    expect((await login(h.app, 'admin-user', PASSWORD, '203.0.113.5')).headers['retry-after']).toBe('120');
    await clock.advance(120_000);
    expect((await login(h.app, 'admin-user', PASSWORD, '203.0.113.5')).statusCode).toBe(303);
    // Success cleared this user's count at this address.
    expect((await login(h.app, 'admin-user', 'wrong', '203.0.113.5')).statusCode).toBe(401);
    expect((await login(h.app, 'admin-user', PASSWORD, '203.0.113.5')).statusCode).toBe(303);
  });

  it('failures spread over many addresses never lock the account', async () => {
    const clock = new SimulatedClock('2026-03-01T00:00:00Z');
    h = await startUi({ clock });
    for (let i = 0; i < 40; i++) expect((await login(h.app, 'admin-user', `wrong ${i}`, `198.51.100.${i}`)).statusCode).toBe(401);
    expect((await login(h.app, 'admin-user', PASSWORD, '10.0.0.9')).statusCode).toBe(303);
  });

  it('limits one address guessing across many user names (20 in 15 minutes), and forgets failures after 15 minutes', async () => {
    const clock = new SimulatedClock('2026-03-01T00:00:00Z');
    h = await startUi({ clock });
    const names = Array.from({ length: 20 }, (_, i) => `name-${i}`);
    for (const n of names) expect((await login(h.app, n, 'guess guess guess', '192.0.2.7')).statusCode).toBe(401);
    const held = await login(h.app, 'viewer-user', PASSWORD, '192.0.2.7');
    expect(held.statusCode).toBe(429);
    expect(held.headers['retry-after']).toBe('60');
    expect((await login(h.app, 'viewer-user', PASSWORD, '192.0.2.8')).statusCode).toBe(303); // another address is not held
    await clock.advance(15 * 60_000 + 1);
    expect((await login(h.app, 'viewer-user', PASSWORD, '192.0.2.7')).statusCode).toBe(303);
  });
});
