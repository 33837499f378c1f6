import type { Daemon } from '../../daemon/index.js';
import { LoginThrottle, DEFAULT_LOGIN_LIMITS, type LoginLimits } from './rate-limit.js';
import { SessionManager, DEFAULT_SESSION_LIMITS, type SessionLimits } from './sessions.js';
import type { LoginDeps } from './login.js';

/** One daemon's sessions and login throttle. */
export interface WebAuth extends LoginDeps {
  sessions: SessionManager;
  throttle: LoginThrottle;
}

const byDaemon = new WeakMap<Daemon, WebAuth>();

/**
 * The daemon's web sign-in state, created on first use. `limits` apply only on creation (tests
 * pass short ones); the users list is read live so a config reload that removes a user ends their
 * sessions at once.
 */
export function webAuthFor(daemon: Daemon, limits: { session?: SessionLimits; login?: LoginLimits } = {}): WebAuth {
  let auth = byDaemon.get(daemon);
  if (!auth) {
    const users = () => daemon.config.users;
    auth = {
      store: daemon.store,
      clock: daemon.clock,
      users,
      sessions: new SessionManager(daemon.store, daemon.clock, users, limits.session ?? DEFAULT_SESSION_LIMITS),
      throttle: new LoginThrottle(daemon.store, daemon.clock, limits.login ?? DEFAULT_LOGIN_LIMITS),
    };
    byDaemon.set(daemon, auth);
  }
  return auth;
}

function isHttps(daemon: Daemon): boolean {
  return daemon.config.server.public_url.startsWith('https://');
}

/**
 * `__Host-` binds the cookie to this exact origin (no Domain, Path=/, Secure), which browsers allow
 * only over https; over plain http (a laptop, a test) the name goes without it.
 */
export function sessionCookieName(daemon: Daemon): string {
  return isHttps(daemon) ? '__Host-opsbook_session' : 'opsbook_session';
}

export function sessionCookieOptions(daemon: Daemon, maxAgeMs?: number) {
  return {
    path: '/',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: isHttps(daemon),
    ...(maxAgeMs !== undefined ? { maxAge: Math.floor(maxAgeMs / 1000) } : {}),
  };
}
