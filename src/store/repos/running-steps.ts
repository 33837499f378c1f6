import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../database.js';
import type { ExecutionRunnersTable, RunningStepsTable } from '../tables/executions.js';
import { goneMember, isMemberId } from './cluster.js';

type Db = Kysely<Database>;

export type RunningStepRow = RunningStepsTable;
export type ExecutionRunnerRow = ExecutionRunnersTable;
/** One take of a step: the fencing token every write of that run is checked against. */
export type StepClaim = Pick<RunningStepRow, 'execution_id' | 'step' | 'runner' | 'epoch'>;

/** The row of exactly this take of the step (its runner and epoch), as a `where` condition. */
function theTake(take: StepClaim) {
  return { execution_id: take.execution_id, step: take.step, runner: take.runner, epoch: take.epoch };
}

/** A fencing epoch for a new take of a step: greater than every one given before, by any process. */
export async function nextRunningStepEpoch(db: Db): Promise<number> {
  const r = await db.updateTable('running_step_epoch').set((eb) => ({ epoch: eb('epoch', '+', 1) })).where('id', '=', 1).returning('epoch').executeTakeFirstOrThrow();
  return Number(r.epoch);
}

/**
 * Takes step `row.step` of `row.execution_id` for `row.runner` under `row.epoch`: undefined when
 * taken, else the row of whoever runs it. One conditional insert on the (execution, step) primary
 * key, so two presses in any processes sharing the store cannot both take it.
 */
export async function claimRunningStep(db: Db, row: RunningStepRow): Promise<RunningStepRow | undefined> {
  for (;;) {
    const r = await db.insertInto('running_steps').values(row).onConflict((oc) => oc.columns(['execution_id', 'step']).doNothing()).executeTakeFirst();
    if (Number(r.numInsertedOrUpdatedRows ?? 0n) > 0) return undefined;
    const held = await db.selectFrom('running_steps').selectAll().where('execution_id', '=', row.execution_id).where('step', '=', row.step).executeTakeFirst();
    // Given back between the insert and the read: try again.
    if (held) return { ...held, step: Number(held.step), epoch: Number(held.epoch) };
  }
}

/** Takes the step over, under `row.epoch`, from the take `from` (a runner that is gone); false when someone else took it meanwhile. */
export async function takeOverRunningStep(db: Db, row: RunningStepRow, from: Pick<RunningStepRow, 'runner' | 'epoch'>): Promise<boolean> {
  const r = await db
    .updateTable('running_steps')
    .set({ runner: row.runner, actor: row.actor, started_at: row.started_at, epoch: row.epoch })
    .where((eb) => eb.and(theTake({ ...row, ...from })))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Fencing for one write of a step's run, inside the write's transaction: true while `claim` still
 * holds the step (its row has the claim's runner and epoch). A no-op update of that row, so on
 * PostgreSQL a take-over or a release waits for the write's commit, and on SQLite the database's
 * write lock is taken before anything is read: a write admitted here commits before the step
 * passes to anyone else.
 */
export async function holdsRunningStep(trx: Transaction<Database>, claim: StepClaim): Promise<boolean> {
  const r = await trx
    .updateTable('running_steps')
    .set((eb) => ({ epoch: eb.ref('epoch') }))
    .where((eb) => eb.and(theTake(claim)))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The step ended: it can be run again. Only this take's row goes (not one taken over meanwhile). */
export async function releaseRunningStep(db: Db, claim: StepClaim): Promise<void> {
  await db.deleteFrom('running_steps').where((eb) => eb.and(theTake(claim))).execute();
}

/** Gives back the step `runner` (a runner that is gone) holds, inside the transaction that marks its entry interrupted. */
export async function releaseStepOf(trx: Transaction<Database>, executionId: string, step: number, runner: string): Promise<void> {
  await trx.deleteFrom('running_steps').where('execution_id', '=', executionId).where('step', '=', step).where('runner', '=', runner).execute();
}

/** The runners that hold steps now. */
export async function listStepRunners(db: Db): Promise<string[]> {
  return (await db.selectFrom('running_steps').select('runner').distinct().execute()).map((r) => r.runner);
}

/** Gives back the steps a runner that is gone held. */
export async function releaseStepsOf(db: Db, runner: string): Promise<number> {
  const r = await db.deleteFrom('running_steps').where('runner', '=', runner).executeTakeFirst();
  return Number(r.numDeletedRows);
}

// PostgreSQL: heartbeats are judged by the database's clock, as the cluster's are.
const NOW = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** Records (or refreshes) the heartbeat of a process running steps outside a cluster; forgets runners lapsed long ago. */
export async function heartbeatRunner(db: Db, r: Pick<ExecutionRunnerRow, 'id' | 'host' | 'pid'>, ttlMs: number): Promise<void> {
  await sql`insert into execution_runners (id, host, pid, started_at, heartbeat_at, expires_at)
values (${r.id}, ${r.host}, ${r.pid}, ${NOW}, ${NOW}, ${NOW} + ${ttlMs})
on conflict (id) do update set heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`.execute(db);
  await db.deleteFrom('execution_runners').where('expires_at', '<', sql<number>`${NOW} - ${ttlMs * 10}`).execute();
}

/** A runner that stopped running steps: its row goes at once. */
export async function endRunner(db: Db, id: string): Promise<void> {
  await db.deleteFrom('execution_runners').where('id', '=', id).execute();
}

/**
 * PostgreSQL, by the database's clock: whether the process `runner` is gone. A cluster member
 * (`member_…`) when its membership lapsed or ended; any other runner when it has no heartbeat
 * that has not run out (it ended, lapsed, or never wrote one).
 */
export async function runnerGoneOnPostgres(db: Db, runner: string): Promise<boolean> {
  const gone = isMemberId(runner)
    ? goneMember(sql`${runner}::text`)
    : sql<boolean>`not exists (select 1 from execution_runners live where live.id = ${runner} and live.expires_at > ${NOW})`;
  const r = await sql<{ gone: boolean }>`select ${gone} as gone`.execute(db);
  return r.rows[0]?.gone === true;
}

/**
 * PostgreSQL, by the database's clock: how long (ms) until the first heartbeat runs out among the
 * processes other than `except` that hold a step now (a cluster member's membership, another
 * runner's row in `execution_runners`); 0 for one that ran out within the last `lapsedWithinMs`;
 * undefined when none of them has a heartbeat that has not run out. The moment to look again for steps left running by a process that died.
 */
export async function untilStepHolderLapses(db: Db, except: string, lapsedWithinMs = 0): Promise<number | undefined> {
  const r = await sql<{ left: number | string | null }>`with holders as (select distinct runner from running_steps where runner <> ${except}),
beats as (
  select m.expires_at from cluster_members m join holders h on h.runner = m.id
  union all
  select r.expires_at from execution_runners r join holders h on h.runner = r.id
)
select min(expires_at) - ${NOW} as left from beats where expires_at > ${NOW} - ${lapsedWithinMs}`.execute(db);
  const left = r.rows[0]?.left;
  return left === null || left === undefined ? undefined : Math.max(0, Number(left));
}
