import { windowStatsOf } from '../checks/index.js';
import { listResults, type Store } from '../store/index.js';
import type { RecoveryPointObjective } from './types.js';
import { DAY } from './windows.js';

/** Achieved recovery point of a backup against its target, now and day by day. */
export interface RecoveryPointStatus {
  id: string;
  name: string;
  check: string;
  targetMs: number;
  /** Age of the newest good backup now; null when the check found none (or never ran). */
  achievedMs: number | null;
  met: boolean;
  /** When the check last looked. */
  checkedAt: number | null;
  /** Worst recovery point seen each day of the period (from rollups' value max), oldest first. */
  history: { day: number; worstMs: number | null; met: boolean | null }[];
}

/**
 * A `file` check's value is the age in seconds of the newest matching file, a `heartbeat`'s the
 * time since the job last reported: either is the recovery point — the data a restore would lose.
 * Now it is the last reading plus the time since it was taken; per day, the worst reading.
 */
export async function recoveryPointStatus(store: Store, rpo: RecoveryPointObjective, now: number, from: number): Promise<RecoveryPointStatus> {
  const [last] = await listResults(store.db, rpo.check, { to: now + 1, limit: 1 });
  const achievedMs = last && last.value !== null && !last.error ? last.value * 1000 + (now - last.at) : null;
  const start = Math.floor(from / DAY) * DAY;
  const days: number[] = [];
  for (let day = start; day < now && days.length < 400; day += DAY) days.push(day);
  // Every day in one read: the statements do not grow with the days.
  const stats = await windowStatsOf(store, days.map((day) => ({ checkId: rpo.check, from: day, to: Math.min(now, day + DAY) })), []);
  const history: RecoveryPointStatus['history'] = days.map((day, i) => {
    const worstMs = stats[i]!.valueMax === null ? null : stats[i]!.valueMax! * 1000;
    return { day, worstMs, met: worstMs === null ? null : worstMs <= rpo.targetMs };
  });
  return { id: rpo.id, name: rpo.name, check: rpo.check, targetMs: rpo.targetMs, achievedMs, met: achievedMs !== null && achievedMs <= rpo.targetMs, checkedAt: last?.at ?? null, history };
}

/** Recovery tests of one procedure in a period: the latest run and how many met the RTO target. */
export interface RecoveryTimeStatus {
  procedure: string;
  targetRtoMs: number;
  targetRpoMs: number;
  runs: number;
  met: number;
  latest: { executionId: string; startedAt: number; achievedRtoMs: number | null; met: boolean } | null;
  /** Achieved recovery times of the runs, oldest first (null: never verified). */
  history: { startedAt: number; achievedRtoMs: number | null; met: boolean }[];
}

/**
 * Achieved RTO from the recovery-test history the executions domain keeps: the time from the
 * start of each run to its verification step, against the procedure's `recovery_test.rto`.
 */
export async function recoveryTimeStatus(store: Store, from: number, to: number): Promise<RecoveryTimeStatus[]> {
  // The executions domain (and the runbook reader under it) loads only when recovery times are asked for.
  const { recoveryTestHistory } = await import('../executions/index.js');
  const byProcedure = new Map<string, RecoveryTimeStatus>();
  for (const r of await recoveryTestHistory(store, undefined, { from, to })) {
    let s = byProcedure.get(r.procedure);
    if (!s) byProcedure.set(r.procedure, (s = { procedure: r.procedure, targetRtoMs: r.targetRtoMs, targetRpoMs: r.targetRpoMs, runs: 0, met: 0, latest: null, history: [] }));
    s.runs++;
    if (r.met) s.met++;
    s.targetRtoMs = r.targetRtoMs;
    s.targetRpoMs = r.targetRpoMs;
    s.latest = { executionId: r.executionId, startedAt: r.startedAt, achievedRtoMs: r.achievedRtoMs, met: r.met };
    s.history.push({ startedAt: r.startedAt, achievedRtoMs: r.achievedRtoMs, met: r.met });
  }
  return [...byProcedure.values()].sort((a, b) => a.procedure.localeCompare(b.procedure));
}
