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

export function form(fields: Record<string, string>): { payload: string; headers: Record<string, string> } {
  return { payload: new URLSearchParams(fields).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } };
}

/** A page read with `session`'s cookie, which must answer 200: its HTML. */
export async function pageAs(app: FastifyInstance, session: SignedIn, url: string): Promise<string> {
  const res = await app.inject({ url, headers: { cookie: session.cookie } });
  expect(res.statusCode, url).toBe(200);
  return res.body;
}
