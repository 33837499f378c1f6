/**
 * The fencing of a step's take in `running_steps`, on both stores: each take gets a greater epoch;
 * a take-over ends the old take's hold (its fenced writes are refused, its release leaves the new
 * holder's row alone); a write admitted by the fence commits before anyone can take the step.
 */
import { expect, it } from 'vitest';
import { describeOnStores } from '../../../test/support/store-targets.js';
import { claimRunningStep, holdsRunningStep, nextRunningStepEpoch, releaseRunningStep, takeOverRunningStep, type RunningStepRow } from './running-steps.js';

await describeOnStores('opsbook-step-fencing', 'fencing of running steps', { migrate: true }, (target) => {
  it('gives each take a greater epoch, fences the old take after a take-over, and never releases the new holder\'s row', async () => {
    const db = target.store.db;
    const take = async (runner: string): Promise<RunningStepRow> => ({ execution_id: 'exe_1', step: 1, runner, actor: runner, started_at: 1, epoch: await nextRunningStepEpoch(db) });
    const paused = await take('run_paused');
    expect(await claimRunningStep(db, paused)).toBeUndefined();
    const holds = (claim: RunningStepRow) => db.transaction().execute((trx) => holdsRunningStep(trx, claim));
    expect(await holds(paused)).toBe(true);

    const next = await take('run_next');
    expect(next.epoch).toBeGreaterThan(paused.epoch);
    expect(await claimRunningStep(db, next)).toMatchObject({ runner: 'run_paused', epoch: paused.epoch });
    expect(await takeOverRunningStep(db, next, paused)).toBe(true);
    // Taken over: the paused take no longer holds it, nor can it take it over again with its old epoch.
    expect(await holds(paused)).toBe(false);
    expect(await holds(next)).toBe(true);
    expect(await takeOverRunningStep(db, paused, paused)).toBe(false);
    // Its release leaves the new holder's row.
    await releaseRunningStep(db, paused);
    expect(await db.selectFrom('running_steps').select(['runner', 'epoch']).execute()).toEqual([{ runner: 'run_next', epoch: next.epoch }]);
    // The same process's earlier take (same runner, older epoch) does not hold a later take of its own.
    await releaseRunningStep(db, next);
    const again = await take('run_next');
    expect(await claimRunningStep(db, again)).toBeUndefined();
    expect(await holds(next)).toBe(false);
    expect(await holds(again)).toBe(true);
    await releaseRunningStep(db, again);
    expect(await db.selectFrom('running_steps').selectAll().execute()).toEqual([]);
    // Epochs keep growing after every row is gone.
    expect(await nextRunningStepEpoch(db)).toBeGreaterThan(again.epoch);
  });
});
