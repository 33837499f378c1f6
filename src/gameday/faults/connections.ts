import pg from 'pg';
import { OpsbookError } from '../../lib/errors/index.js';

/** The role held connections log in as: not a superuser, so PostgreSQL's reserved slots stay for probes. */
export const HOLDER_ROLE = 'opsbook_gameday_holder';

export interface ConnectionHold {
  /**
   * Opens connections to the database until `share` of max_connections is used by it (0.85), or
   * with `all` until the server refuses another ordinary connection. Returns how many it holds.
   */
  hold(target: number | 'all'): Promise<number>;
  /** Closes every held connection. */
  release(): Promise<void>;
  held(): number;
}

/**
 * Holds real connections to a database (its URL names a superuser, as the world's does) the way a
 * leaking application does, until max_connections is exhausted or a share of it is used.
 */
export function connectionHold(databaseUrl: string): ConnectionHold {
  const held: pg.Client[] = [];
  const database = decodeURIComponent(new URL(databaseUrl).pathname.slice(1));
  const holderUrl = (): string => {
    const u = new URL(databaseUrl);
    u.username = HOLDER_ROLE;
    u.password = '';
    return u.toString();
  };
  const usage = async (admin: pg.Client): Promise<{ count: number; max: number }> => {
    const r = await admin.query<{ n: string; max: string }>("select count(*) as n, current_setting('max_connections') as max from pg_stat_activity where datname = $1", [database]);
    return { count: Number(r.rows[0]!.n), max: Number(r.rows[0]!.max) };
  };
  const release = async (): Promise<void> => {
    await Promise.all(held.splice(0).map((c) => c.end().catch(() => {})));
  };
  /** Opens one more held connection; false when the server refuses it and `refusalEnds` says that is the goal. */
  const open = async (refusalEnds: boolean): Promise<boolean> => {
    const c = new pg.Client({ connectionString: holderUrl(), connectionTimeoutMillis: 10_000 });
    c.on('error', () => {});
    try {
      await c.connect();
    } catch (e) {
      await c.end().catch(() => {});
      // 53300 too_many_connections: the ordinary slots are gone, which is what `all` asks for.
      if ((e as { code?: string }).code === '53300' && refusalEnds) return false;
      throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `cannot hold connection ${held.length + 1} to ${database}: ${(e as Error).message}`);
    }
    held.push(c);
    return true;
  };
  return {
    held: () => held.length,
    release,
    hold: async (target) => {
      const admin = new pg.Client({ connectionString: databaseUrl });
      await admin.connect();
      let max: number;
      try {
        await admin.query(`do $$ begin if not exists (select from pg_roles where rolname = '${HOLDER_ROLE}') then create role ${HOLDER_ROLE} login; end if; end $$`);
        max = (await usage(admin)).max;
        // A share is counted as a probe counts it, its own connection included; `all` fills the
        // slots without the admin connection, which would free one when it ends.
        if (target !== 'all') {
          for (let i = 0; i <= max && (await usage(admin)).count / max < target; i++) await open(false);
          return held.length;
        }
      } catch (e) {
        await release();
        throw e;
      } finally {
        await admin.end().catch(() => {});
      }
      for (let i = 0; i <= max; i++) if (!(await open(true))) break;
      return held.length;
    },
  };
}
