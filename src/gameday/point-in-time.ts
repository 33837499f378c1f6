import { appendFile, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { OpsbookError } from '../lib/errors/index.js';
import { freePort } from '../lib/net.js';
import { recordDir } from './faults/leftovers.js';
import { withPgClient } from './faults/pg-client.js';
import { postgresBin, startServer } from './faults/postgres-cluster.js';
import { postgresUser, runProgram, stopProcess } from './faults/processes.js';

const MARKS = 'gameday_pitr_marks';

export interface PointInTimeOptions {
  /** The cluster's database the writes go to (superuser URL; WAL is cluster-wide). */
  databaseUrl: string;
  /** Where the cluster's archive_command copies WAL segments. */
  walArchiveDir: string;
  /** Rows written between the base backup and the target time (a real ~100 ms apart). */
  rowsBefore?: number;
  /** The objective, ms: achieved figures are held against it. */
  objective: { rpoMs: number; rtoMs: number };
}

export interface PointInTimeResult {
  passed: boolean;
  failures: string[];
  /** Bytes of the base backup (pg_basebackup, plain format). */
  baseBackupBytes: number;
  /** WAL segments the restore_command copied from the archive. */
  segmentsRestored: number;
  /** The recovery_target_time, as the server printed it. */
  targetTime: string;
  rowsBefore: number;
  /** Rows written before the target that the restored cluster has. */
  rowsBeforeRestored: number;
  /** Whether the row written after the target is absent, as it must be. */
  afterAbsent: boolean;
  /** Real seconds from copying the base backup to the verified, promoted cluster. */
  achievedRtoSeconds: number;
  /** Seconds between the newest write the restore has and the target: the data lost before it. */
  achievedRpoSeconds: number;
  objective: { rpoMinutes: number; rtoMinutes: number };
  seconds: number;
}

const withClient = withPgClient;

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Point-in-time recovery, for real: a base backup of the cluster (pg_basebackup), writes after it,
 * a target time, one more write after the target (the change to undo), the WAL archived by the
 * cluster's own archive_command; then the base backup is copied into a scratch cluster that recovers
 * with `restore_command` reading that archive and `recovery_target_time`, and is promoted. Verified:
 * every row written before the target is there, the one after is not. Achieved RTO is the real time
 * of the restore; achieved RPO the gap between the target and the newest write the restore has.
 */
export async function pointInTimeRecovery(options: PointInTimeOptions): Promise<PointInTimeResult> {
  const t0 = performance.now();
  const bin = postgresBin();
  const user = postgresUser();
  const failures: string[] = [];
  const rowsBefore = options.rowsBefore ?? 10;
  const result: PointInTimeResult = {
    passed: false, failures, baseBackupBytes: 0, segmentsRestored: 0, targetTime: '', rowsBefore, rowsBeforeRestored: 0, afterAbsent: false,
    achievedRtoSeconds: 0, achievedRpoSeconds: 0, objective: { rpoMinutes: options.objective.rpoMs / 60_000, rtoMinutes: options.objective.rtoMs / 60_000 }, seconds: 0,
  };
  const source = new URL(options.databaseUrl);
  const dir = await mkdtemp(join(tmpdir(), 'opsbook-gameday-pitr-'));
  const forget = recordDir(dir);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    if (user) await chown(dir, user.uid, user.gid);
    await withClient(options.databaseUrl, (c) => c.query(`CREATE TABLE IF NOT EXISTS ${MARKS} (id serial PRIMARY KEY, label text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`));
    const base = join(dir, 'base');
    await runProgram(join(bin, 'pg_basebackup'), ['-h', source.hostname, '-p', source.port || '5432', '-U', 'postgres', '-D', base, '-X', 'stream', '-c', 'fast', '--no-sync'], { user });
    result.baseBackupBytes = Number((await runProgram('du', ['-sb', base])).split(/\s/)[0]);

    // The system writes on; the target is just after its last good write; then the change to undo.
    const { target, segment } = await withClient(options.databaseUrl, async (c) => {
      for (let i = 1; i <= rowsBefore; i++) {
        await c.query(`INSERT INTO ${MARKS} (label) VALUES ($1)`, [`before-${i}`]);
        await pause(100);
      }
      const t = (await c.query<{ t: string }>('SELECT clock_timestamp()::text AS t')).rows[0]!.t;
      await pause(1100);
      await c.query(`INSERT INTO ${MARKS} (label) VALUES ('after')`);
      const s = (await c.query<{ s: string }>('SELECT pg_walfile_name(pg_switch_wal()) AS s')).rows[0]!.s;
      return { target: t, segment: s };
    });
    result.targetTime = target;
    // The segment holding the change after the target is archived: the archive has everything up to it.
    await withClient(options.databaseUrl, async (c) => {
      for (let i = 0; i < 600; i++) {
        const r = await c.query<{ ok: boolean }>('SELECT coalesce(last_archived_wal >= $1, false) AS ok FROM pg_stat_archiver', [segment]);
        if (r.rows[0]?.ok) return;
        await pause(100);
      }
      throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', `WAL segment ${segment} was not archived within 60 s`);
    });

    const restoreStarted = performance.now();
    const scratch = join(dir, 'restored');
    await runProgram('cp', ['-a', base, scratch], { user });
    const restoreLog = join(dir, 'restored.log');
    await writeFile(restoreLog, '');
    if (user) await chown(restoreLog, user.uid, user.gid);
    await appendFile(join(scratch, 'postgresql.auto.conf'), [
      '',
      `restore_command = 'cp ${options.walArchiveDir}/%f "%p" && echo %f >> ${restoreLog}'`,
      `recovery_target_time = '${target}'`,
      "recovery_target_action = 'promote'",
      '',
    ].join('\n'));
    await writeFile(join(scratch, 'recovery.signal'), '');
    if (user) await chown(join(scratch, 'recovery.signal'), user.uid, user.gid);
    const port = await freePort();
    server = await startServer(bin, scratch, port, user, ['-c', 'archive_mode=off']);
    const restoredUrl = new URL(options.databaseUrl);
    restoredUrl.host = `127.0.0.1:${port}`;
    await withClient(restoredUrl.toString(), async (c) => {
      for (let i = 0; i < 1200; i++) {
        if (!(await c.query<{ r: boolean }>('SELECT pg_is_in_recovery() AS r')).rows[0]!.r) return;
        await pause(100);
      }
      throw new OpsbookError('OPSBOOK_E_GAMEDAY_WORLD', 'the restored cluster did not reach the target and promote within 120 s');
    });
    const restored = await withClient(restoredUrl.toString(), async (c) => {
      const r = await c.query<{ before: string; after: string; gap: number | null }>(
        `SELECT count(*) FILTER (WHERE label LIKE 'before-%') AS before, count(*) FILTER (WHERE label = 'after') AS after,
                extract(epoch FROM $1::timestamptz - max(at) FILTER (WHERE label LIKE 'before-%'))::float AS gap FROM ${MARKS}`,
        [target],
      );
      return r.rows[0]!;
    });
    result.achievedRtoSeconds = (performance.now() - restoreStarted) / 1000;
    result.rowsBeforeRestored = Number(restored.before);
    result.afterAbsent = Number(restored.after) === 0;
    result.achievedRpoSeconds = Math.round((restored.gap ?? Number.POSITIVE_INFINITY) * 1000) / 1000;
    result.segmentsRestored = (await runProgram('cat', [restoreLog])).split('\n').filter((l) => /^[0-9A-F]{24}$/.test(l.trim())).length;
    if (result.rowsBeforeRestored !== rowsBefore) failures.push(`the restore has ${result.rowsBeforeRestored} of the ${rowsBefore} rows written before the target`);
    if (!result.afterAbsent) failures.push('the row written after the target is in the restore: recovery went past recovery_target_time');
    if (result.segmentsRestored === 0) failures.push('restore_command copied no WAL segment from the archive');
    if (result.achievedRpoSeconds * 1000 > options.objective.rpoMs) failures.push(`achieved RPO ${result.achievedRpoSeconds} s exceeds the objective ${result.objective.rpoMinutes} min`);
    if (result.achievedRtoSeconds * 1000 > options.objective.rtoMs) failures.push(`achieved RTO ${result.achievedRtoSeconds.toFixed(1)} s exceeds the objective ${result.objective.rtoMinutes} min`);
  } catch (e) {
    failures.push(`point-in-time recovery: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await stopProcess(server, 'SIGINT', 5000);
    await withClient(options.databaseUrl, (c) => c.query(`DROP TABLE IF EXISTS ${MARKS}`)).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    forget();
  }
  result.passed = failures.length === 0;
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

/** One line, as the game day prints a recovery test. */
export function formatPointInTime(r: PointInTimeResult): string {
  return `base backup ${(r.baseBackupBytes / 1024 / 1024).toFixed(1)} MiB + ${r.segmentsRestored} archived WAL segment(s) restored to ${r.targetTime} in a scratch cluster (${r.rowsBeforeRestored}/${r.rowsBefore} rows before the target, the one after ${r.afterAbsent ? 'absent' : 'PRESENT'}): RTO ${r.achievedRtoSeconds.toFixed(1)} s (objective ${r.objective.rtoMinutes} min), RPO ${r.achievedRpoSeconds} s (objective ${r.objective.rpoMinutes} min)`;
}
