import type { Daemon } from '../../../daemon/index.js';
import type { CheckConfig } from '../../../config/schema/checks.js';
import { listResults, recentResultsOf, type RawResultRow } from '../../../store/index.js';
import { windowStatsOf, type WindowStats } from '../../../checks/index.js';
import type { State } from '../components.js';

/** What reading checks' history needs of the daemon: its store, its clock and its config. */
export type CheckReader = Pick<Daemon, 'store' | 'clock' | 'config'>;

export interface CheckSummary {
  id: string;
  name: string;
  kind: string;
  service: string | undefined;
  state: State;
  /** Newest last, for the sparkline. */
  recent: RawResultRow[];
  lastAt: number | undefined;
  lastError: string | null;
}

const LEVEL_STATE: Record<number, State> = { 0: 'up', 1: 'warning', 2: 'critical' };

/** What the check's latest stored run saw: down, or its level when up. */
export function stateOf(latest: RawResultRow | undefined): State {
  if (!latest) return 'unknown';
  return latest.down ? 'down' : (LEVEL_STATE[latest.level] ?? 'up');
}

const RANK: Record<State, number> = { unknown: 0, up: 1, maintenance: 1, warning: 2, critical: 3, down: 4 };

export function worstState(states: State[]): State {
  return states.reduce<State>((a, b) => (RANK[b] > RANK[a] ? b : a), states.length ? 'up' : 'unknown');
}

export function findCheck(daemon: Daemon, id: string): CheckConfig | undefined {
  return daemon.config.checks.find((c) => c.id === id) as CheckConfig | undefined;
}

export async function summarizeCheck(daemon: CheckReader, check: CheckConfig, runs = 30): Promise<CheckSummary> {
  return summaryOf(check, (await listResults(daemon.store.db, check.id, { limit: runs })).reverse());
}

/**
 * `summarizeCheck` of several checks (every configured one by default), in their order, in a
 * number of statements that does not grow with the number of checks (see recentResultsOf).
 */
export async function summarizeChecks(daemon: CheckReader, checks: readonly CheckConfig[] = daemon.config.checks as CheckConfig[], runs = 30): Promise<CheckSummary[]> {
  const results = await recentResultsOf(daemon.store.db, checks.map((c) => c.id), runs);
  return checks.map((c) => summaryOf(c, (results.get(c.id) ?? []).reverse()));
}

/** `recent`: the check's latest runs, newest last. */
function summaryOf(check: CheckConfig, recent: RawResultRow[]): CheckSummary {
  const latest = recent[recent.length - 1];
  return {
    id: check.id,
    name: (check.name as string | undefined) ?? check.id,
    kind: check.kind,
    service: check.service as string | undefined,
    state: stateOf(latest),
    recent,
    lastAt: latest?.at,
    lastError: latest?.error ?? null,
  };
}

export const WINDOWS = [
  { key: '24h', label: '24 hours', ms: 86_400_000 },
  { key: '7d', label: '7 days', ms: 7 * 86_400_000 },
  { key: '30d', label: '30 days', ms: 30 * 86_400_000 },
  { key: '90d', label: '90 days', ms: 90 * 86_400_000 },
] as const;

/** The uptime window named by a `?window=` key (24h, 7d, 30d, 90d); 24 hours by default. */
export function uptimeWindow(key: string | undefined): (typeof WINDOWS)[number] {
  return WINDOWS.find((w) => w.key === key) ?? WINDOWS[0];
}

export async function checkWindows(daemon: Daemon, checkId: string): Promise<Array<{ key: string; label: string; stats: WindowStats }>> {
  const now = daemon.clock.now();
  const out = [];
  const stats = await windowStatsOf(daemon.store, WINDOWS.map((w) => ({ checkId, from: now - w.ms, to: now })));
  for (const [i, w] of WINDOWS.entries()) out.push({ key: w.key, label: w.label, stats: stats[i]! });
  return out;
}

/**
 * Latency percentiles per bucket over a window, from the rollups: hourly over a day, daily over
 * 30 days. Buckets with no runs have no value (a gap in the line).
 */
export async function latencySeries(daemon: Daemon, checkId: string, windowMs: number, bucketMs: number): Promise<Array<{ at: number; latency: Record<string, number | undefined> }>> {
  const now = daemon.clock.now();
  const end = Math.ceil(now / bucketMs) * bucketMs;
  const starts: number[] = [];
  for (let from = end - windowMs; from < end; from += bucketMs) starts.push(from);
  const stats = await windowStatsOf(daemon.store, starts.map((from) => ({ checkId, from, to: Math.min(from + bucketMs, now) })));
  return starts.map((at, i) => ({ at, latency: stats[i]!.latency }));
}

/** Uptime of each UTC day, oldest first, ending today. */
export async function dailyUptime(daemon: Daemon, checkIds: string[], days: number): Promise<Array<{ day: number; uptime: number | undefined }>> {
  const now = daemon.clock.now();
  const today = Math.floor(now / 86_400_000) * 86_400_000;
  const dayStarts: number[] = [];
  for (let i = days - 1; i >= 0; i--) dayStarts.push(today - i * 86_400_000);
  const stats = await windowStatsOf(daemon.store, dayStarts.flatMap((day) => checkIds.map((checkId) => ({ checkId, from: day, to: Math.min(day + 86_400_000, now) }))), []);
  return dayStarts.map((day, d) => {
    let worst: number | undefined;
    for (let c = 0; c < checkIds.length; c++) {
      const s = stats[d * checkIds.length + c]!;
      if (s.uptime !== undefined) worst = worst === undefined ? s.uptime : Math.min(worst, s.uptime);
    }
    return { day, uptime: worst };
  });
}
