import type { Clock } from '../../lib/clock.js';
import { OpsbookError } from '../../lib/errors/index.js';
import { findUser, type Actor, type UserRecord } from '../../identity/index.js';
import { appendAudit, deleteUiSessionsOf, readLatestPasswordHash, readPasswordHash, withAuditEntry, writePasswordHash, type Store } from '../../store/index.js';
import { burnVerification, checkPasswordStrength, hashPassword, verifyPassword, type ScryptCost } from './passwords.js';
import { LoginThrottle } from './rate-limit.js';
import type { Session, SessionManager } from './sessions.js';

export interface LoginDeps {
  store: Store;
  clock: Clock;
  users: () => readonly UserRecord[];
  sessions: SessionManager;
  throttle: LoginThrottle;
}

export interface LoginAttempt {
  username: string;
  password: string;
  ip: string;
  userAgent: string;
}

export type LoginOutcome =
  | { ok: true; id: string; session: Session }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'throttled'; retryAfterMs: number };

/**
 * Signs a person in. The same answer, and about the same time, whether the name is unknown, has
 * no password, or the password is wrong; attempts over the limit are refused before any hashing.
 */
export async function login(deps: LoginDeps, attempt: LoginAttempt): Promise<LoginOutcome> {
  const username = attempt.username.trim();
  const verdict = await deps.throttle.check(username, attempt.ip);
  if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterMs: verdict.retryAfterMs };
  const user = deps.users().find((u) => u.name === username);
  const row = user ? await readPasswordHash(deps.store.db, user.name) : undefined;
  // Without a hash of the name's own, one stored for someone else sets the cost of the burn.
  const ok = row ? await verifyPassword(row.hash, attempt.password) : await burnVerification(attempt.password, await readLatestPasswordHash(deps.store.db));
  const now = deps.clock.now();
  if (!ok || !user) {
    await deps.throttle.failed(username, attempt.ip);
    await appendAudit(deps.store.db, deps.store.dialect, { at: now, actor: `anonymous@${attempt.ip}`, action: 'session.login_failed', subject: `user:${username.slice(0, 100)}`, details: { ip: attempt.ip } });
    return { ok: false, reason: 'invalid' };
  }
  await deps.throttle.succeeded(user.name, attempt.ip);
  const created = await deps.sessions.create(user.name, { ip: attempt.ip, userAgent: attempt.userAgent }, undefined, {
    at: now,
    actor: user.name,
    action: 'session.login',
    subject: `user:${user.name}`,
    details: { ip: attempt.ip },
  });
  return { ok: true, ...created };
}

export interface PasswordDeps {
  store: Store;
  clock: Clock;
  users: readonly UserRecord[];
}

/**
 * Sets a user's UI password (scrypt, fresh salt) and ends their open sessions. Admins may set
 * anyone's; others only their own.
 */
export async function setUserPassword(deps: PasswordDeps, actor: Actor, userName: string, password: string, cost?: ScryptCost): Promise<{ endedSessions: number }> {
  const user = findUser(deps.users, userName);
  if (actor.name !== user.name && actor.role !== 'admin') {
    throw new OpsbookError('OPSBOOK_E_FORBIDDEN', `${actor.name} (${actor.role}) may set only their own password`);
  }
  checkPasswordStrength(password);
  const hash = await hashPassword(password, cost);
  const now = deps.clock.now();
  const endedSessions = await withAuditEntry(
    deps.store.db,
    deps.store.dialect,
    async (trx) => {
      await writePasswordHash(trx, { user_name: user.name, hash, updated_at: now, updated_by: actor.name });
      return deleteUiSessionsOf(trx, user.name);
    },
    (ended) => ({ at: now, actor: actor.name, action: 'user.password_set', subject: `user:${user.name}`, details: { ended_sessions: ended } }),
  );
  return { endedSessions };
}
