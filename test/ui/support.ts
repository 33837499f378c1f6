import { expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Daemon, Logger } from '../../src/daemon/index.js';
import { setUserPassword, webAuthFor, type LoginLimits, type SessionLimits } from '../../src/http/sessions/index.js';
import { ROLES } from '../../src/identity/index.js';
import type { Clock } from '../../src/lib/clock.js';
import { listenOnLoopback, startDaemonApp, type DaemonApp, type DaemonAppOptions } from '../support/daemon-app.js';

/** Cheap scrypt for tests: the cost is stored in each hash, so verification uses it too. */
export const TEST_COST = { N: 1024, r: 8, p: 1 };
export const PASSWORD = 'correct horse battery';

export type UiHarness = DaemonApp;

/** A daemon (pipeline off unless `operations`) with one user per role, each with PASSWORD, and its HTTP app; `files` beside ops.yaml (runbooks). */
export async function startUi(options: { yaml?: string; files?: Record<string, string>; clock?: Clock; session?: SessionLimits; login?: LoginLimits; logger?: Logger; operations?: boolean } = {}): Promise<UiHarness> {
  const users = ROLES.map((r) => `  - name: ${r}-user\n    role: ${r}\n`).join('');
  const ui = await startDaemonApp('ui', { ...options.files, 'ops.yaml': `users:\n${users}${options.yaml ?? ''}` }, {
    operations: options.operations ?? false,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    beforeServer: (daemon) => webAuthFor(daemon, { ...(options.session ? { session: options.session } : {}), ...(options.login ? { login: options.login } : {}) }),
  });
  for (const r of ROLES) await setPassword(ui.daemon, 'admin-user', `${r}-user`);
  return ui;
}

export type ServedUi = DaemonApp & { base: string };

/**
 * The daemon over `files` (ops.yaml and what it names) with its pipeline running, its app on a
 * loopback port at `base`, for a browser; `user`, an admin in the config, has PASSWORD. `options` go
 * to the daemon (a simulated clock, say).
 */
export async function serveUi(prefix: string, files: Record<string, string>, user: string, options: DaemonAppOptions = {}): Promise<ServedUi> {
  const ui = await startDaemonApp(prefix, files, options);
  try {
    await setPassword(ui.daemon, user, user);
    return { ...ui, base: await listenOnLoopback(ui.app) };
  } catch (e) {
    await ui.close();
    throw e;
  }
}

async function setPassword(daemon: Daemon, admin: string, user: string): Promise<void> {
  await setUserPassword({ store: daemon.store, clock: daemon.clock, users: daemon.config.users }, { name: admin, role: 'admin', via: 'cli' }, user, PASSWORD, TEST_COST);
}

export interface SignedIn {
  cookie: string;
  csrf: string;
}

/** Signs in through the login form; returns the session cookie header and the page's CSRF token. */
export async function signIn(app: FastifyInstance, username: string, password = PASSWORD, ip = '127.0.0.1'): Promise<SignedIn> {
  const res = await app.inject({ method: 'POST', url: '/login', ...form({ username, password }), remoteAddress: ip });
  if (res.statusCode !== 303) throw new Error(`sign-in as ${username} answered ${res.statusCode}`);
  const set = res.cookies[0]!;
  const cookie = `${set.name}=${set.value}`;
  const page = await app.inject({ url: '/runbooks', headers: { cookie } });
  const csrf = /name="csrf-token" content="([^"]+)"/.exec(page.body)?.[1];
  if (!csrf) throw new Error('no CSRF token on the page');
  return { cookie, csrf };
}

/** Posts a form as the signed-in person would from a page: their session cookie and CSRF token with the fields. */
export function postForm(app: FastifyInstance, as: SignedIn, url: string, fields: Record<string, string>) {
  return app.inject({ method: 'POST', url, ...form({ ...fields, _csrf: as.csrf }), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: as.cookie } });
}

export function form(fields: Record<string, string>): { payload: string; headers: Record<string, string> } {
  return { payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

/** A page read with `session`'s cookie, which must answer 200: its HTML. */
export async function pageAs(app: FastifyInstance, session: SignedIn, url: string): Promise<string> {
  const res = await app.inject({ url, headers: { cookie: session.cookie } });
  expect(res.statusCode, url).toBe(200);
  return res.body;
}

/** A form's refusal as the redirect that answers the form carries it to the form's page (see src/http/ui/refusal.ts). */
export interface CarriedRefusal {
  /** The cookie to send back, `name=value`, as the browser would to the page. */
  cookie: string;
  /** The page path the cookie is for. */
  path: string;
  refusal: { form: string; action: string; status: number; message: string; field?: string; kept: Record<string, string>; dropped?: string[] };
}

/** The refusal carried by an answer's Set-Cookie headers, if it carries one. */
export function carriedRefusal(setCookie: string | readonly string[] | undefined): CarriedRefusal | undefined {
  const headers = setCookie === undefined ? [] : typeof setCookie === 'string' ? [setCookie] : setCookie;
  const header = headers.find((h) => h.startsWith('opsbook_refusal=') && !/max-age=0\b/i.test(h));
  if (!header) return undefined;
  const [pair, ...attributes] = header.split(/;\s*/);
  const value = decodeURIComponent(pair!.slice('opsbook_refusal='.length));
  const path = attributes.find((a) => /^path=/i.test(a))?.slice(5) ?? '/';
  return { cookie: `opsbook_refusal=${value}`, path, refusal: JSON.parse(Buffer.from(value.split('.')[0]!, 'base64url').toString('utf8')) as CarriedRefusal['refusal'] };
}

/**
 * A form POST answered with its refusal carried to the form's page (post/redirect/get): a 303 to that
 * page and the refusal's cookie for its path. The page is loaded as a browser would load it, with the
 * session's cookie and the refusal's; its status and body come back with the refusal.
 */
export async function landOnRefusal(app: FastifyInstance, session: SignedIn, res: { statusCode: number; body: string; headers: Record<string, unknown> }): Promise<CarriedRefusal & { location: string; status: number; body: string }> {
  expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
  const carried = carriedRefusal(res.headers['set-cookie'] as string | string[] | undefined);
  if (!carried) throw new Error(`no refusal carried to ${String(res.headers.location)}`);
  const location = String(res.headers.location);
  expect(carried.path, 'the cookie is for the page the redirect leads to').toBe(location.split(/[?#]/)[0]);
  const page = await app.inject({ url: location.split('#')[0]!, headers: { cookie: `${session.cookie}; ${carried.cookie}` } });
  return { ...carried, location, status: page.statusCode, body: page.body };
}
