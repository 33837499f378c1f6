import type { Clock } from '../lib/clock.js';
import { claimProcedureRun, lastProcedureRun, type Store } from '../store/index.js';
import type { SchedulerOptions } from './scheduler.js';

/** Who claims a due time in a store only one opsbook process runs procedures on (SQLite). */
const SINGLE_PROCESS = 'single-process';

/**
 * Scheduled procedures run by the one process on its store (SQLite): each due time is claimed in the
 * store before its run starts, so a restart knows the last one that ran. Started again after a stop
 * or a kill, the scheduler runs what fell due meanwhile once (`ProcedureScheduler.catchUp`), and never
 * a due time that ran before it stopped.
 */
export function storeProcedureClaims(store: Store, clock: Clock): Required<Pick<SchedulerOptions, 'claim' | 'lastClaimed'>> {
  return {
    claim: (reference, dueAt) => claimProcedureRun(store.db, { procedure: reference, due_at: dueAt, claimed_by: SINGLE_PROCESS, claimed_at: clock.now() }),
    lastClaimed: (reference) => lastProcedureRun(store.db, reference),
  };
}
