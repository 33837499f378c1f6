/**
 * A stand-in application's own database connection pool, as a web app's ORM keeps one: real
 * connections to the world's PostgreSQL. Its figures (in use, size) are read off the pool itself.
 * `POST /_gameday/pool { "leak": "all" | N }` makes requests hang on the database holding their
 * connections (a `pg_sleep` each, as a stuck query or a leak does) until the pool is exhausted;
 * `{ "leak": 0 }` cancels them. Restarting the process frees them as well: each session checks
 * every second that its client is still there (client_connection_check_interval), so the server
 * ends the hung queries of a process that went away.
 */
import pg from 'pg';
import type { Handler } from './standin.js';

export interface AppPool {
  /** Connections checked out of the pool. */
  used(): number;
  size: number;
  /** Checks out connections that hang on the database: `all` until none is left. Returns how many hang. */
  leak(count: number | 'all'): Promise<number>;
  /** Cancels the hung queries and gives their connections back. */
  release(): Promise<void>;
  /** The steady traffic holds this many connections: fewer requests in flight give theirs back to the pool (idle), more check them out. */
  setTraffic(inFlight: number): Promise<void>;
  close(): Promise<void>;
  /** The `/_gameday/pool` route. */
  route: Handler;
}

export interface AppPoolOptions {
  size: number;
  /** Connections the healthy app's steady traffic holds checked out (its usual utilisation). */
  inFlight?: number;
  /** application_name its sessions carry in pg_stat_activity. */
  name: string;
}

export async function startAppPool(url: string, options: AppPoolOptions): Promise<AppPool> {
  const pool = new pg.Pool({ connectionString: url, max: options.size, application_name: options.name });
  pool.on('error', () => {});
  const traffic: pg.PoolClient[] = [];
  let closed = false;
  // A request's connection the server drops (a crash, an immediate shutdown, a failover) is given
  // up, and the worker connects again — at once when the database answers, else every half second.
  const serve = (client: pg.PoolClient): void => {
    traffic.push(client);
    client.on('error', () => {
      const i = traffic.indexOf(client);
      if (i === -1) return;
      traffic.splice(i, 1);
      client.release(true);
      void reconnect();
    });
  };
  const reconnect = async (): Promise<void> => {
    while (!closed) {
      try {
        const client = await pool.connect();
        if (closed) return client.release(true);
        return serve(client);
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  for (let i = 0; i < (options.inFlight ?? 0); i++) serve(await pool.connect());
  const hung: pg.PoolClient[] = [];
  const used = (): number => pool.totalCount - pool.idleCount;
  const leak = async (count: number | 'all'): Promise<number> => {
    const n = count === 'all' ? options.size - used() : count;
    for (let i = 0, refused = 0; i < n; i++) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        // 53300 too_many_connections: a pool larger than the server allows is exhausted by the
        // server's max_connections first. A superuser's passing connection (a probe) may hold an
        // ordinary slot for a moment, so a refusal is tried again before it counts as the end.
        if (count !== 'all' || (e as { code?: string }).code !== '53300') throw e;
        if (++refused > 5) break;
        i--;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      client.on('error', () => {});
      await client.query("SET client_connection_check_interval = '1s'");
      hung.push(client);
      // Never awaited: the request hangs here, holding its connection.
      client.query('SELECT pg_sleep(86400) /* request stuck holding its connection */').catch(() => {});
    }
    return hung.length;
  };
  const release = async (): Promise<void> => {
    if (hung.length === 0) return;
    const clients = hung.splice(0);
    // The pool is exhausted: cancel from a connection of our own, outside it.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const pids = clients.map((c) => (c as unknown as { processID: number }).processID);
      await admin.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    } finally {
      await admin.end().catch(() => {});
    }
    for (const c of clients) c.release(true);
  };
  const setTraffic = async (inFlight: number): Promise<void> => {
    while (traffic.length > inFlight) traffic.pop()!.release();
    while (traffic.length < inFlight) serve(await pool.connect());
  };
  return {
    used,
    size: options.size,
    leak,
    release,
    setTraffic,
    close: async () => {
      closed = true;
      await release().catch(() => {});
      for (const c of traffic.splice(0)) c.release(true);
      await pool.end();
    },
    route: async (req) => {
      if (req.method !== 'POST') return { json: { used: used(), size: options.size, hung: hung.length } };
      const { leak: want } = JSON.parse(req.body || '{}') as { leak?: number | 'all' };
      if (want === 0) await release();
      else if (want === 'all' || (typeof want === 'number' && want > 0)) await leak(want);
      else return { status: 400, json: { error: 'leak: "all", a number of connections, or 0 to release them' } };
      return { json: { used: used(), size: options.size, hung: hung.length } };
    },
  };
}
