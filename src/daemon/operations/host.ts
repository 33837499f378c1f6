import type { OpsConfig } from '../../config/index.js';
import type { Clock } from '../../lib/clock.js';
import type { Store } from '../../store/index.js';
import type { SeriesSource } from '../../promql/index.js';
import type { Logger } from '../logger.js';
import type { SampleStore } from '../../samples/index.js';
import type { DaemonMetrics } from '../metrics.js';
import type { ClusterCoordinator } from '../../cluster/index.js';
import type { Runbook } from '../../runbooks/index.js';
import type { RuleGroupSpec } from '../../alerts/rule-files/index.js';

/**
 * What the pipeline needs of the process it runs in: the daemon supplies it, and `opsbook test`
 * its own on a simulated clock. An interface, so the pipeline never imports the daemon.
 */
export interface OperationsHost {
  readonly store: Store;
  readonly clock: Clock;
  /** The running config; a reload replaces it. */
  readonly config: OpsConfig;
  readonly logger: Logger;
  readonly metrics: Pick<DaemonMetrics, 'registry'>;
  /** The config directory; without it (or without `runbooks`) nothing runs procedures. */
  readonly baseDir?: string;
  /**
   * The runbooks of `config`, as the config load read and validated them; a reload replaces them
   * with the config. The pipeline runs these and reads no runbook file itself.
   */
  readonly runbooks?: Runbook[];
  /** The groups of `rule_files:`, read and checked by the same config load; absent: no rule-file group runs. */
  readonly ruleGroups?: RuleGroupSpec[];
  /** Where metrics checks append their scrapes; without it each check keeps its own samples. */
  readonly samples?: SampleStore;
  /**
   * The samples `rule_files:` rules read; when it is also a SeriesSink, recording rules write back
   * to it. Absent: an empty in-memory source (rules see no series).
   */
  readonly series?: SeriesSource;
  /**
   * Several processes on one PostgreSQL: the leases this process holds decide which checks and
   * escalations it runs, and fence its writes. Absent: this process does everything (SQLite).
   */
  readonly cluster?: ClusterCoordinator;
  /** How often (on `clock`) check results are written in one transaction (default 1 s; see HistoryWriter). */
  readonly historyFlushMs?: number | undefined;
  /** How often (on `clock`) check results are rolled up and pruned past retention (default 1 min). */
  readonly historyRollupMs?: number | undefined;
}

/** What a part of the daemon kept running from the old config on a reload, and why (one sentence each). */
export interface ReloadOutcome {
  kept: string[];
}
