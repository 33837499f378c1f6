/** Web UI sign-in: password hashes, sessions, failed logins. Instants are epoch milliseconds. */

export interface UserPasswordsTable {
  user_name: string;
  /** `scrypt$N$r$p$SALT$HASH` (base64url); the password itself is never stored. */
  hash: string;
  updated_at: number;
  updated_by: string;
}

/** A signed-in browser. Keyed by the SHA-256 of the session id: the cookie value is never stored. */
export interface UiSessionsTable {
  id_hash: string;
  user_name: string;
  created_at: number;
  last_seen_at: number;
  /** Absolute expiry, however active the session is. */
  expires_at: number;
  ip: string;
  user_agent: string;
  /** Single sign-on: the role the person's groups gave at sign-in; null for password sessions (role from the config). */
  role?: string | null;
  /** How the session was opened: `password` (null in older rows) or `oidc`. */
  via?: string | null;
}

/** One failed login, counted against `user:NAME` and `ip:ADDRESS` subjects by the rate limit. */
export interface LoginFailuresTable {
  subject: string;
  at: number;
}

export interface SessionTables {
  user_passwords: UserPasswordsTable;
  ui_sessions: UiSessionsTable;
  login_failures: LoginFailuresTable;
}
