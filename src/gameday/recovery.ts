import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import pg from 'pg';
import type { OpsConfig } from '../config/index.js';
import { MINUTE, type Driver } from './driver.js';
import { pointInTimeRecovery } from './point-in-time.js';
import type { DumpRecoveryResult, RecoveryResult } from './result.js';
import { sameProcedure } from './scenario.js';
import { createDatabase } from './services.js';
import type { GameDaySpec, RecoveryTestSpec } from './spec.js';
import type { World } from './world.js';

const run = promisify(execFile);
const MARKS = 'gameday_recovery_writes';

/**
 * The system's recovery tests (gameday.yaml `recovery:`), one after the other, each held against its
 * procedure's `recovery_test` objective in ops.yaml.
 */
export async function recoveryTests(spec: GameDaySpec, world: World, driver: Driver, config: OpsConfig, pgAdminUrl: string): Promise<RecoveryResult[]> {
  const out: RecoveryResult[] = [];
  for (const test of spec.recovery) out.push(test.method === 'point_in_time' ? await pointInTimeTest(test, world, config) : await dumpRestoreTest(spec.system, test, world, driver, config, pgAdminUrl));
  return out;
}

/** The objective ops.yaml gives the procedure (`procedures: … recovery_test: { rpo, rto }`), ms. */
function objectiveOf(config: OpsConfig, procedure: string): { rpo: number; rto: number } | undefined {
  return Object.entries(config.procedures).find(([key]) => sameProcedure(key, procedure))?.[1].recovery_test;
}

const noObjective = (procedure: string): string => `ops.yaml gives ${procedure} no recovery_test objective (procedures: … recovery_test: { rpo, rto })`;

/**
 * Point-in-time recovery on the world's private cluster (point-in-time.ts): its base backup and the
 * WAL its archive_command archived, recovered to a target time in a scratch cluster.
 */
async function pointInTimeTest(test: RecoveryTestSpec, world: World, config: OpsConfig): Promise<RecoveryResult> {
  const objective = objectiveOf(config, test.procedure);
  const walArchiveDir = world.env.GAMEDAY_WAL_ARCHIVE_DIR;
  if (!objective || !walArchiveDir) {
    const failures = [...(objective ? [] : [noObjective(test.procedure)]), ...(walArchiveDir ? [] : ["the world's cluster archives no WAL (gameday.yaml postgres: { archive: true })"])];
    return {
      method: 'point_in_time', procedure: test.procedure, passed: false, failures, baseBackupBytes: 0, segmentsRestored: 0, targetTime: '', rowsBefore: 0, rowsBeforeRestored: 0, afterAbsent: false,
      achievedRtoSeconds: 0, achievedRpoSeconds: 0, objective: { rpoMinutes: (objective?.rpo ?? 0) / MINUTE, rtoMinutes: (objective?.rto ?? 0) / MINUTE }, seconds: 0,
    };
  }
  const r = await pointInTimeRecovery({ databaseUrl: world.database.url, walArchiveDir, objective: { rpoMs: objective.rpo, rtoMs: objective.rto } });
  return { ...r, method: 'point_in_time', procedure: test.procedure };
}

/**
 * The pg_dump recovery test: a real backup of the world's database (`pg_dump -Fc`), writes that go on for
 * a while after it on the simulated clock, then the loss: the backup is restored into a scratch
 * database and verified table by table against the database as it was backed up. Achieved RPO is
 * the simulated time of the newest write the restore does not have; achieved RTO the real time of
 * restore and verification. Both are held against the procedure's `recovery_test` objective.
 */
async function dumpRestoreTest(system: string, r: RecoveryTestSpec, world: World, driver: Driver, config: OpsConfig, pgAdminUrl: string): Promise<RecoveryResult> {
  const t0 = performance.now();
  const failures: string[] = [];
  const objective = objectiveOf(config, r.procedure);
  const result: DumpRecoveryResult = {
    method: 'pg_dump', procedure: r.procedure, passed: false, failures, backupBytes: 0, tables: 0, rows: 0, achievedRtoSeconds: 0, achievedRpoMinutes: 0,
    objective: { rpoMinutes: (objective?.rpo ?? 0) / MINUTE, rtoMinutes: (objective?.rto ?? 0) / MINUTE }, seconds: 0,
  };
  if (!objective) failures.push(noObjective(r.procedure));
  const source = new pg.Client({ connectionString: world.database.url });
  await source.connect();
  const file = join(world.backupDir, `${system}-recovery-test.dump`);
  try {
    await source.query(`CREATE TABLE IF NOT EXISTS ${MARKS} (at bigint NOT NULL)`);
    await source.query(`INSERT INTO ${MARKS} (at) VALUES ($1)`, [driver.now()]);
    const atBackup = await rowCounts(source);
    await run('pg_dump', ['-Fc', '-f', file, world.database.url]);
    result.backupBytes = (await stat(file)).size;
    // The system keeps writing after the backup, a row a minute, until the loss.
    let lastWrite = driver.now();
    for (let m = 0; m < (r.writes_for_minutes ?? 3); m++) {
      await driver.pass(MINUTE);
      lastWrite = driver.now();
      await source.query(`INSERT INTO ${MARKS} (at) VALUES ($1)`, [lastWrite]);
    }
    const restoreStarted = performance.now();
    const scratch = await createDatabase(pgAdminUrl, `${system}_restore`);
    try {
      await run('pg_restore', ['--no-owner', '--exit-on-error', '-d', scratch.url, file]);
      const restored = new pg.Client({ connectionString: scratch.url });
      await restored.connect();
      try {
        const counts = await rowCounts(restored);
        for (const [table, n] of atBackup) {
          if (counts.get(table) !== n) failures.push(`restored ${table} has ${counts.get(table) ?? 'no'} rows, the database had ${n} when backed up`);
        }
        result.tables = counts.size;
        result.rows = [...counts.values()].reduce((a, b) => a + b, 0);
        const newest = Number((await restored.query<{ at: string }>(`SELECT max(at) AS at FROM ${MARKS}`)).rows[0]?.at ?? 0);
        result.achievedRtoSeconds = (performance.now() - restoreStarted) / 1000;
        result.achievedRpoMinutes = Math.round(((lastWrite - newest) / MINUTE) * 10) / 10;
      } finally {
        await restored.end();
      }
    } finally {
      await scratch.drop().catch(() => undefined);
    }
    if (objective) {
      if (result.achievedRpoMinutes * MINUTE > objective.rpo) failures.push(`achieved RPO ${result.achievedRpoMinutes} min exceeds the objective ${result.objective.rpoMinutes} min`);
      if (result.achievedRtoSeconds * 1000 > objective.rto) failures.push(`achieved RTO ${result.achievedRtoSeconds.toFixed(1)} s exceeds the objective ${result.objective.rtoMinutes} min`);
    }
  } catch (e) {
    failures.push(`recovery test: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    await source.query(`DROP TABLE IF EXISTS ${MARKS}`).catch(() => undefined);
    await source.end();
  }
  result.passed = failures.length === 0;
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

async function rowCounts(client: pg.Client): Promise<Map<string, number>> {
  const tables = (await client.query<{ name: string }>("SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS name FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")).rows;
  const out = new Map<string, number>();
  for (const t of tables) out.set(t.name, Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${t.name}`)).rows[0]!.n));
  return out;
}
