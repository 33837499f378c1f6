import type { Daemon } from '../../../daemon/index.js';
import type { CheckConfig } from '../../../config/schema/checks.js';
import type { Incident } from '../../../incidents/index.js';
import { listResults, type RawResultRow } from '../../../store/index.js';
import { incidentReader } from './incidents.js';

/** A stretch of consecutive down results: from the first failed run to the next run that was up. */
export interface Outage {
  from: number;
  /** The first up run after it; undefined while it lasts. */
  to: number | undefined;
  runs: number;
  error: string | null;
}

export interface CheckTimeline {
  from: number;
  to: number;
  results: RawResultRow[];
  outages: Outage[];
  incidents: Incident[];
}

export function outagesOf(results: readonly RawResultRow[]): Outage[] {
  const out: Outage[] = [];
  let open: Outage | undefined;
  for (const r of results) {
    if (r.down) {
      if (open) open.runs++;
      else out.push((open = { from: r.at, to: undefined, runs: 1, error: r.error }));
    } else if (open) {
      open.to = r.at;
      open = undefined;
    }
  }
  return out;
}

/**
 * A check's raw results over the window (or since its first run, when younger), oldest first, its outages, and the incidents of its service
 * that were open at some point in the window.
 */
export async function checkTimeline(daemon: Daemon, check: CheckConfig, windowMs: number): Promise<CheckTimeline> {
  const to = daemon.clock.now();
  const from = to - windowMs;
  const results = (await listResults(daemon.store.db, check.id, { from, to: to + 1, limit: 100_000 })).reverse();
  const service = check.service as string | undefined;
  const incidents = service
    ? (await incidentReader(daemon).list({ limit: 200 })).filter((i) => i.service === service && i.openedAt < to && (i.resolvedAt ?? to) >= from)
    : [];
  // A young check's chart spans its own runs, not a day of nothing with its history squeezed at the edge.
  const first = results[0]?.at;
  const shown = first !== undefined && first > from ? Math.max(from, first - Math.max(60_000, (to - first) * 0.05)) : from;
  return { from: shown, to, results, outages: outagesOf(results), incidents };
}
