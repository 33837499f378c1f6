import { createHash, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../lib/clock.js';
import { randomSecret } from '../../lib/ids.js';
import type { Actor, Role, UserRecord } from '../../identity/index.js';
import type { Kysely } from 'kysely';
import {
  appendAuditIn,
  auditCommitted,
  deleteUiSession,
  deleteUiSessionsBefore,
  findUiSession,
  insertUiSession,
  touchUiSession,
  type AuditInput,
  type Database,
  type Store,
} from '../../store/index.js';

export interface SessionLimits {
  /** A session unused this long ends (default 12 h: one on-call night). */
  idleMs: number;
  /** A session ends this long after sign-in however active it is (default 7 d). */
  absoluteMs: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 12 * 3_600_000, absoluteMs: 7 * 86_400_000 };

// last_seen_at is written at most this often, so browsing does not write on every request.
const TOUCH_EVERY_MS = 60_000;

export interface Session {
  /** The user's name and current role (from the config: a role change applies at once). */
  actor: Actor;
  /** Token every state-changing request of this session must carry. */
  csrf: string;
  createdAt: number;
  expiresAt: number;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The session's CSRF token, derived from its id so it needs no storage and the store cannot reveal it. */
export function csrfTokenFor(sessionId: string): string {
  return createHash('sha256').update(`opsbook-csrf\0${sessionId}`).digest('base64url');
}

export function csrfMatches(expected: string, presented: unknown): boolean {
  if (typeof presented !== 'string' || presented.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(presented), Buffer.from(expected));
}

/**
 * Browser sessions. The id is 32 random bytes handed to the browser in a cookie; the store keeps
 * only its SHA-256, so a copy of the database opens no session. Sessions end when idle for
 * `idleMs`, `absoluteMs` after sign-in, on sign-out, and when their user leaves the config.
 */
export class SessionManager {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly users: () => readonly UserRecord[],
    readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
  ) {}

  /**
   * Opens a session for `user`. A password session takes its role from the config at every
   * request; a single-sign-on session carries `sso.role`, the role its groups gave at sign-in.
   */
  async create(user: string, meta: { ip: string; userAgent: string }, sso?: { role: Role }, audit?: AuditInput): Promise<{ id: string; session: Session }> {
    const now = this.clock.now();
    const id = randomSecret(32);
    // The session and its audit entry commit together: no session that the audit log does not show.
    const entry = await this.store.db.transaction().execute(async (trx) => {
      await this.insert(trx, id, user, now, meta, sso);
      return audit ? appendAuditIn(trx, this.store.dialect, audit) : undefined;
    });
    if (entry) auditCommitted(this.store.db, entry);
    // Sessions past their time are swept when new ones start, so the table stays small.
    await deleteUiSessionsBefore(this.store.db, now - this.limits.idleMs, now);
    const role = sso?.role ?? this.users().find((u) => u.name === user)!.role;
    return { id, session: { actor: { name: user, role, via: 'session' }, csrf: csrfTokenFor(id), createdAt: now, expiresAt: now + this.limits.absoluteMs } };
  }

  private async insert(db: Kysely<Database>, id: string, user: string, now: number, meta: { ip: string; userAgent: string }, sso?: { role: Role }): Promise<void> {
    await insertUiSession(db, {
      id_hash: sha256(id),
      user_name: user,
      created_at: now,
      last_seen_at: now,
      expires_at: now + this.limits.absoluteMs,
      ip: meta.ip,
      user_agent: meta.userAgent.slice(0, 300),
      role: sso?.role ?? null,
      via: sso ? 'oidc' : 'password',
    });
  }

  /** The live session for a cookie value, or undefined (unknown, expired, or its user removed). */
  async lookup(id: string | undefined): Promise<Session | undefined> {
    if (!id || id.length > 100) return undefined;
    const hash = sha256(id);
    const row = await findUiSession(this.store.db, hash);
    if (!row) return undefined;
    const now = this.clock.now();
    const user = this.users().find((u) => u.name === row.user_name);
    // A password session ends when its user leaves the config; a single-sign-on one carries its role.
    const role = (row.role as Role | null | undefined) ?? user?.role;
    if (!role || now >= row.expires_at || now - row.last_seen_at >= this.limits.idleMs) {
      await deleteUiSession(this.store.db, hash);
      return undefined;
    }
    // Not waited for, as a token's use (identity/tokens.ts): a page read while another process holds
    // the store's write lock is answered at once. A failed touch is tried again at the next request.
    if (now - row.last_seen_at >= TOUCH_EVERY_MS) touchUiSession(this.store.db, hash, now).catch(() => {});
    return { actor: { name: row.user_name, role, via: 'session' }, csrf: csrfTokenFor(id), createdAt: row.created_at, expiresAt: row.expires_at };
  }

  async destroy(id: string | undefined): Promise<void> {
    if (id) await deleteUiSession(this.store.db, sha256(id));
  }
}
