export interface OpenStoreOptions {
  /**
   * `postgres://…` / `postgresql://…` for PostgreSQL; anything else is a SQLite file path (relative
   * paths resolve against `baseDir`). `:memory:` gives a throwaway SQLite database.
   */
  url: string;
  baseDir?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** PostgreSQL: the server ends a session left idle inside a transaction this long (ms). */
  idleInTransactionTimeoutMs?: number;
}

/** `postgres://…` and `postgresql://…` name PostgreSQL; anything else is a SQLite file path. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** The URL with its password masked, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
