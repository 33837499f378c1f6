import pg from 'pg';
import { OpsbookError } from '../../lib/errors/index.js';

/** How often the primary writes while replay is paused: each write is WAL the replica does not replay. */
const WRITE_EVERY_MS = 200;

export interface ReplicationLag {
  /** Pauses replay on the replica and writes on the primary until the lag is at least `lagMs`. */
  on(lagMs: number): Promise<void>;
  /** Resumes replay and waits until the replica has caught up and the primary reports it. */
  off(): Promise<void>;
  /** What the replica's own clock says: now() - pg_last_xact_replay_timestamp(), in seconds. */
  replicaLagSeconds(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Real replication lag: `pg_wal_replay_pause()` on a streaming replica while the primary keeps
 * writing, so pg_stat_replication.replay_lag on the primary and now() - pg_last_xact_replay_timestamp()
 * on the replica grow with (real) time; `pg_wal_replay_resume()` mends it.
 */
export function replicationLag(primaryUrl: string, replicaUrl: string): ReplicationLag {
  let primary: pg.Client | undefined;
  let replica: pg.Client | undefined;
  let writer: NodeJS.Timeout | undefined;
  let writing: Promise<unknown> = Promise.resolve();
  const clients = async (): Promise<{ p: pg.Client; r: pg.Client }> => {
    if (!primary) {
      primary = new pg.Client({ connectionString: primaryUrl });
      primary.on('error', () => {});
      await primary.connect();
      await primary.query('create table if not exists opsbook_gameday_writes (at timestamptz not null default now())');
    }
    if (!replica) {
      replica = new pg.Client({ connectionString: replicaUrl });
      replica.on('error', () => {});
      await replica.connect();
    }
    return { p: primary, r: replica };
  };
  const write = (p: pg.Client): Promise<unknown> => (writing = writing.then(() => p.query('insert into opsbook_gameday_writes default values')).catch(() => {}));
  const primaryLag = async (p: pg.Client): Promise<number | undefined> => {
    const r = await p.query<{ lag: number | null }>('select extract(epoch from max(replay_lag))::float as lag from pg_stat_replication');
    return r.rows[0]?.lag ?? undefined;
  };
  const replicaLagSeconds = async (): Promise<number> => {
    const { r } = await clients();
    const res = await r.query<{ lag: number | null }>('select coalesce(extract(epoch from now() - pg_last_xact_replay_timestamp()), 0)::float as lag');
    return res.rows[0]!.lag ?? 0;
  };
  const stopWriter = async (): Promise<void> => {
    if (writer) clearInterval(writer);
    writer = undefined;
    await writing;
  };
  return {
    replicaLagSeconds,
    on: async (lagMs) => {
      const { p, r } = await clients();
      if (!writer) {
        // The replica first replays one transaction of ours: a replica that has replayed none has no
        // pg_last_xact_replay_timestamp() to fall behind from.
        await write(p);
        const { rows } = await p.query<{ lsn: string }>('select pg_current_wal_insert_lsn()::text as lsn');
        for (let i = 0; i < 600; i++) {
          const caught = await r.query<{ ok: boolean }>('select pg_last_wal_replay_lsn() >= $1::pg_lsn and pg_last_xact_replay_timestamp() is not null as ok', [rows[0]!.lsn]);
          if (caught.rows[0]?.ok) break;
          await new Promise((res) => setTimeout(res, 50));
        }
      }
      await r.query('select pg_wal_replay_pause()');
      if (!writer) {
        await write(p);
        writer = setInterval(() => void write(p), WRITE_EVERY_MS);
      }
      const deadline = Date.now() + lagMs + 60_000;
      while (Date.now() < deadline) {
        if (((await primaryLag(p)) ?? 0) * 1000 >= lagMs && (await replicaLagSeconds()) * 1000 >= lagMs) return;
        await new Promise((res) => setTimeout(res, 100));
      }
      throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `replication lag did not reach ${lagMs} ms within a minute past it`);
    },
    off: async () => {
      const { p, r } = await clients();
      await stopWriter();
      await r.query('select pg_wal_replay_resume()');
      // One fresh write after the resume: its small lag replaces the large one the primary last measured.
      await write(p);
      await writing;
      for (let i = 0; i < 600; i++) {
        const res = await p.query<{ behind: boolean | null }>(
          'select bool_or(replay_lsn < pg_current_wal_insert_lsn()) as behind from pg_stat_replication',
        );
        const lag = await primaryLag(p);
        if (res.rows[0]?.behind === false && (lag === undefined || lag < 1)) return;
        await new Promise((res2) => setTimeout(res2, 100));
      }
      throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', 'the replica did not catch up within 60 s of pg_wal_replay_resume()');
    },
    close: async () => {
      await stopWriter();
      await replica?.query('select pg_wal_replay_resume()').catch(() => {});
      await primary?.end().catch(() => {});
      await replica?.end().catch(() => {});
      primary = replica = undefined;
    },
  };
}
