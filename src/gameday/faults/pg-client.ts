import pg from 'pg';

/** Runs `f` on a connection of its own to `url`, closed afterwards whatever happens. */
export async function withPgClient<T>(url: string, f: (c: pg.Client) => Promise<T>, connectTimeoutMs = 10_000): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  c.on('error', () => {});
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end().catch(() => {});
  }
}
