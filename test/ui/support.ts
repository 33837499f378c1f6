import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Daemon, createLogger } from '../../src/daemon/index.js';
import { buildServer } from '../../src/http/index.js';
import { setUserPassword, webAuthFor, type LoginLimits, type SessionLimits } from '../../src/http/sessions/index.js';
import { ROLES } from '../../src/identity/index.js';
import type { Clock } from '../../src/lib/clock.js';

/** Cheap scrypt for tests: the cost is stored in each hash, so verification uses it too. */
export const TEST_COST = { N: 1024, r: 8, p: 1 };
export const PASSWORD = 'correct horse battery';

export interface UiHarness {
  dir: string;
  daemon: Daemon;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** A daemon (pipeline off) with one user per role, each with PASSWORD, and its HTTP app. */
export async function startUi(options: { yaml?: string; clock?: Clock; session?: SessionLimits; login?: LoginLimits } = {}): Promise<UiHarness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'opsbook-ui-'));
  const users = ROLES.map((r) => `  - name: ${r}-user\n    role: ${r}\n`).join('');
  fs.writeFileSync(path.join(dir, 'ops.yaml'), `users:\n${users}${options.yaml ?? ''}`);
  const daemon = await Daemon.start({
    configPath: path.join(dir, 'ops.yaml'),
    operations: false,
    logger: createLogger({ level: 'silent', pretty: false }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  webAuthFor(daemon, { ...(options.session ? { session: options.session } : {}), ...(options.login ? { login: options.login } : {}) });
  const admin = { name: 'admin-user', role: 'admin' as const, via: 'cli' as const };
  for (const r of ROLES) await setUserPassword({ store: daemon.store, clock: daemon.clock, users: daemon.config.users }, admin, `${r}-user`, PASSWORD, TEST_COST);
  const app = buildServer(daemon);
  await app.ready();
  return {
    dir,
    daemon,
    app,
    async close() {
      await app.close();
      await daemon.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
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
