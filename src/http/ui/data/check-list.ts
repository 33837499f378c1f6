import type { CheckConfig } from '../../../config/schema/checks.js';
import { loadAlertSeries, type RawResultRow } from '../../../store/index.js';
import { hasThresholds, windowStatsOf } from '../../../checks/index.js';
import type { SeriesState } from '../../../alerts/types.js';
import type { State } from '../components.js';
import { summarizeChecks, WINDOWS, type CheckReader, type CheckSummary } from './checks.js';

/** Results in a row's history bar. */
export const BAR_RESULTS = 90;

/** A check's row in the dense list: its last BAR_RESULTS results, and uptime and p95 over a window (24 hours by default). */
export interface CheckRowData extends CheckSummary {
  uptime: number | undefined;
  /** Judged by warning/critical thresholds: the row reads `withinThresholds`, not `uptime`. */
  thresholds: boolean;
  withinThresholds: number | undefined;
  p95: number | undefined;
}

/** The rows of these checks, in their order, in a number of statements that does not grow with theirs. */
export async function checkRowsOf(daemon: CheckReader, checks: readonly CheckConfig[], windowMs: number = WINDOWS[0].ms): Promise<CheckRowData[]> {
  const summaries = await summarizeChecks(daemon, checks, BAR_RESULTS);
  const now = daemon.clock.now();
  const stats = await windowStatsOf(daemon.store, checks.map((c) => ({ checkId: c.id, from: now - windowMs, to: now + 1 })), [0.95]);
  return summaries.map((summary, i) => ({
    ...summary,
    uptime: stats[i]!.uptime,
    thresholds: hasThresholds(checks[i]!),
    withinThresholds: stats[i]!.withinThresholds,
    p95: stats[i]!.latency.p95,
  }));
}

export interface CheckFilter {
  service?: string;
  state?: string;
  kind?: string;
}

/** Something failing that has not yet raised an alert, and when it will if it keeps failing. */
export interface PendingAlert {
  kind: 'check' | 'rule';
  id: string;
  name: string;
  href: string | undefined;
  state: State;
  /** What is still needed: "2 more failed runs" or the rest of `for`. */
  needs: string;
  firesAt: number;
}

/**
 * Checks whose latest runs failed fewer times in a row than their failure_threshold, and rule
 * series waiting out their `for`. A check's time to fire assumes it keeps failing at its interval.
 * `latest`: the checks to look at, each with at least its latest run; only those failing now with a
 * threshold above 1 have their streak read (in one read, however many).
 */
export async function pendingAlerts(daemon: CheckReader, latest: readonly CheckSummary[]): Promise<PendingAlert[]> {
  const out: PendingAlert[] = [];
  const configured = new Map((daemon.config.checks as CheckConfig[]).map((c) => [c.id, c]));
  const thresholdOf = (id: string) => Number(configured.get(id)?.failure_threshold ?? 1);
  const failingNow = (r: RawResultRow | undefined) => r !== undefined && (r.down || r.level > 0);
  const candidates = latest.filter((row) => configured.has(row.id) && failingNow(row.recent.at(-1)) && thresholdOf(row.id) > 1);
  const longest = Math.max(1, ...candidates.map((row) => thresholdOf(row.id)));
  const streaks = await summarizeChecks(daemon, candidates.map((row) => configured.get(row.id)!), longest);
  for (const row of streaks) {
    const check = configured.get(row.id)!;
    if (row.lastAt === undefined) continue;
    const threshold = thresholdOf(row.id);
    let failing = 0;
    for (let i = row.recent.length - 1; i >= 0 && failingNow(row.recent[i]); i--) failing++;
    if (failing === 0 || failing >= threshold) continue;
    const left = threshold - failing;
    out.push({
      kind: 'check',
      id: row.id,
      name: row.name,
      href: `/checks/${encodeURIComponent(row.id)}`,
      state: row.state,
      needs: `${failing} of ${threshold} failed runs; ${left} more to fire`,
      firesAt: row.lastAt + left * Number(check.interval),
    });
  }
  const rules = new Map(daemon.config.rules.map((r) => [r.id, r]));
  for (const saved of await loadAlertSeries(daemon.store.db)) {
    if (saved.state !== 'pending') continue;
    const s = JSON.parse(saved.data) as SeriesState;
    const rule = rules.get(s.ruleId);
    if (!rule || s.activeSince === null) continue;
    out.push({
      kind: 'rule',
      id: s.seriesKey,
      name: Object.keys(s.labels ?? {}).length ? s.seriesKey : s.ruleId,
      href: rule.checkId ? `/checks/${encodeURIComponent(rule.checkId)}` : undefined,
      state: 'warning',
      needs: `condition holding since ${new Date(s.activeSince).toISOString().slice(11, 19)} UTC, for ${Math.round(rule.forMs / 1000)} s`,
      firesAt: s.activeSince + rule.forMs,
    });
  }
  return out.sort((a, b) => a.firesAt - b.firesAt);
}
