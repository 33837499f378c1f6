import type { RecentResult, SettledProbe } from '../store/repos/check-history.js';
import { LEVEL_RANK, type CheckLevel, type CheckResult, type CheckStatus } from './types.js';

export interface ProbeThresholds {
  /** Consecutive worse results before the settled state gets worse (Kubernetes failureThreshold). */
  failureThreshold: number;
  /** Consecutive better results before it recovers (Kubernetes successThreshold). */
  successThreshold: number;
}

export interface ProbeSnapshot {
  /** `unknown` until the first threshold is reached. */
  status: CheckStatus | 'unknown';
  level: CheckLevel;
  /** Consecutive results worse than the settled level, and the least bad of them. */
  worseStreak: number;
  /** Consecutive results better than the settled level. */
  betterStreak: number;
  downStreak: number;
  upStreak: number;
}

const LEVELS: CheckLevel[] = ['ok', 'warning', 'critical'];

/**
 * Kubernetes probe semantics over check results: one failed run does not page. The settled level
 * rises only after `failureThreshold` consecutive results above it (to the least severe level among
 * them), and falls only after `successThreshold` consecutive results below it (to the most severe
 * among them). Status settles the same way. Pending results (a first counter scrape) and unknown
 * ones (opsbook overloaded) do not count.
 */
export class ProbeState {
  private s: ProbeSnapshot = { status: 'unknown', level: 'ok', worseStreak: 0, betterStreak: 0, downStreak: 0, upStreak: 0 };
  private worseMin = 2;
  private betterMax = 0;
  /** Whether it has seen a result, taken one over or been restored (restore then changes nothing). */
  private touched = false;
  /** Whether the last `observe` made the settled state worse (see worsened). */
  private worse = false;

  constructor(private readonly thresholds: ProbeThresholds) {}

  /**
   * Takes over what another state of the same check learned (a reload replaced the check): its
   * settled status and level, and the streaks toward the next change, now counted against this
   * state's thresholds.
   */
  carryOver(previous: ProbeState): void {
    this.s = { ...previous.s };
    this.worseMin = previous.worseMin;
    this.betterMax = previous.betterMax;
    this.touched = true;
  }

  /**
   * Starts from what an earlier process stored (a restart, a lease move), unless this state has
   * already seen a result or taken one over: the settled state (a check settled down stays down
   * until `success_threshold` better results), and the failure streak toward the next worse one,
   * counted from the newest stored results (`recent`, newest first): a check that failed once of
   * its `failure_threshold: 2` before the move settles down at its next failed run, not two runs
   * later. Recovery streaks start at zero (a recovery is never declared sooner than it was due).
   * Without a stored settled state (a check new, or dropped from the config and added back) nothing
   * is restored: it starts unknown, as its rules do. True when it was restored.
   */
  restore(settled: SettledProbe, recent: readonly RecentResult[] = []): boolean {
    if (this.touched) return false;
    this.s = { ...this.s, status: settled.down === null ? 'unknown' : settled.down ? 'down' : 'up', level: LEVELS[settled.level]! };
    // Fewer than failure_threshold of them, or the earlier process would have settled (and stored) a worse state.
    const newest = recent.slice(0, this.thresholds.failureThreshold - 1);
    if (this.s.status !== 'down') this.s.downStreak = leading(newest, (r) => r.down);
    const rank = LEVEL_RANK[this.s.level];
    this.s.worseStreak = leading(newest, (r) => r.level > rank);
    if (this.s.worseStreak > 0) this.worseMin = Math.min(...newest.slice(0, this.s.worseStreak).map((r) => r.level));
    this.touched = true;
    return true;
  }

  /** The settled status and level, as stored (`down` null while the status has never settled). */
  get settled(): SettledProbe {
    return { down: this.s.status === 'unknown' ? null : this.s.status === 'down', level: LEVEL_RANK[this.s.level] as 0 | 1 | 2 };
  }

  /** Whether the last result observed made the settled state worse: its status settled down, or its level rose. */
  get worsened(): boolean {
    return this.worse;
  }

  get snapshot(): ProbeSnapshot {
    return { ...this.s };
  }

  /** Feeds one result; returns true when the settled status or level changed. */
  observe(result: Pick<CheckResult, 'status' | 'level' | 'pending'>): boolean {
    // A withheld verdict (opsbook was too slow to time the run) counts neither way.
    this.worse = false;
    if (result.pending || result.status === 'unknown') return false;
    this.touched = true;
    const statusBefore = this.s.status;
    const levelBefore = this.s.level;
    const rank = LEVEL_RANK[result.level];
    const settled = LEVEL_RANK[this.s.level];
    if (rank > settled) {
      this.worseMin = this.s.worseStreak === 0 ? rank : Math.min(this.worseMin, rank);
      this.s.worseStreak++;
      this.s.betterStreak = 0;
      if (this.s.worseStreak >= this.thresholds.failureThreshold) this.settleLevel(this.worseMin);
    } else if (rank < settled) {
      this.betterMax = this.s.betterStreak === 0 ? rank : Math.max(this.betterMax, rank);
      this.s.betterStreak++;
      this.s.worseStreak = 0;
      if (this.s.betterStreak >= this.thresholds.successThreshold) this.settleLevel(this.betterMax);
    } else {
      this.s.worseStreak = 0;
      this.s.betterStreak = 0;
    }
    if (result.status === 'down') {
      this.s.downStreak++;
      this.s.upStreak = 0;
      if (this.s.downStreak >= this.thresholds.failureThreshold) this.s.status = 'down';
    } else {
      this.s.upStreak++;
      this.s.downStreak = 0;
      if (this.s.upStreak >= this.thresholds.successThreshold) this.s.status = 'up';
    }
    this.worse = (this.s.status === 'down' && statusBefore !== 'down') || LEVEL_RANK[this.s.level] > LEVEL_RANK[levelBefore];
    return statusBefore !== this.s.status || levelBefore !== this.s.level;
  }

  private settleLevel(rank: number): void {
    this.s.level = LEVELS[rank]!;
    this.s.worseStreak = 0;
    this.s.betterStreak = 0;
  }
}

/** How many of `xs`, from the first on, meet `test` without a break. */
function leading<T>(xs: readonly T[], test: (x: T) => boolean): number {
  const i = xs.findIndex((x) => !test(x));
  return i === -1 ? xs.length : i;
}
