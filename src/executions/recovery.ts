import { listRecoveryTests, type Store } from '../store/index.js';

/** One recovery-test run: what it achieved against its targets. */
export interface RecoveryTestResult {
  executionId: string;
  procedure: string;
  startedAt: number;
  /** When its verification steps were done; null when it never got there. */
  verifiedAt: number | null;
  achievedRtoMs: number | null;
  targetRtoMs: number;
  targetRpoMs: number;
  met: boolean;
}

/**
 * Recovery-test history, oldest first, for one procedure (`FILE#ID` as executions record it) or all;
 * every run, or those started in [from, to).
 */
export async function recoveryTestHistory(store: Store, procedure?: string, window: { from?: number; to?: number } = {}): Promise<RecoveryTestResult[]> {
  return (await listRecoveryTests(store.db, { ...(procedure ? { procedure } : {}), ...window })).map((r) => ({
    executionId: r.execution_id,
    procedure: r.procedure,
    startedAt: Number(r.started_at),
    verifiedAt: r.verified_at === null ? null : Number(r.verified_at),
    achievedRtoMs: r.achieved_rto_ms === null ? null : Number(r.achieved_rto_ms),
    targetRtoMs: Number(r.target_rto_ms),
    targetRpoMs: Number(r.target_rpo_ms),
    met: Number(r.met) === 1,
  }));
}
