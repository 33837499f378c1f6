import type { Clock } from '../lib/clock.js';
import { claimProcedureRun, lastProcedureRun, type Store } from '../store/index.js';
import type { ClusterCoordinator } from './coordinator.js';

/** What a procedure scheduler sharing a store with other processes needs (see `ProcedureScheduler`). */
export interface ProcedureClaims {
  mayRun: () => boolean;
  claim: (reference: string, dueAt: number) => Promise<boolean>;
  lastClaimed: (reference: string) => Promise<number | undefined>;
}

/**
 * Scheduled procedures in a cluster: the holder of the singletons lease runs them, and claims each
 * due time in a transaction fenced on that lease before the run starts. A holder paused past its
 * lease cannot claim (fencing refuses it); the claim it made before its lease ran out commits before
 * the next holder's grant, so the next holder sees it and does not run that due time again.
 */
export function clusterProcedureClaims(store: Store, cluster: ClusterCoordinator, clock: Clock): ProcedureClaims {
  return {
    mayRun: () => cluster.singletons !== undefined,
    claim: async (reference, dueAt) => {
      const lease = cluster.singletons;
      if (!lease) return false;
      return store.db.transaction().execute(async (trx) => {
        await cluster.fence(trx, 'scheduled procedure', lease);
        return claimProcedureRun(trx, { procedure: reference, due_at: dueAt, claimed_by: cluster.id, claimed_at: clock.now() });
      });
    },
    lastClaimed: (reference) => lastProcedureRun(store.db, reference),
  };
}
